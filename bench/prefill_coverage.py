"""How much of each e-form a signed-in citizen still types, once prefill has done its part.

    uv run python bench/prefill_coverage.py [--person 001190012345] [--markdown]

Builds a throwaway SQLite database (migrations, the 34 provinces / 3,321 communes, the
catalogue), starts the mock national services on a free port, and for every e-form definition
in dossiers/eforms/definitions/ resolves its prefill for the person exactly as the wizard does
(the same code path), then counts the text fields: prefilled from a national database or the
account, filled with a default, left to type. Choices, ticks and uploads are counted apart
(picked, not typed). Issue 4's target: birth registration, at most 30% typed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--person", default="001190012345", help="12-digit identification number")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="prefill-coverage-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from tests.fixtures_mocks import start_national_mocks

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    call_command("load_procedures", verbosity=0)

    from dossiers.eforms import get_definition, prefill_coverage
    from dossiers.eforms.loading import definition_files
    from portal.models import User
    from procedures.models import ProcedureVersion

    with start_national_mocks(workdir) as services:
        settings.NATIONAL_SERVICES_URL = services.url
        user = User.objects.create_user(
            username=f"bench-{args.person}",
            personal_id=args.person,
            email="citizen@example.vn",
            phone="0912345678",
        )
        rows = []
        for key in definition_files():
            version = (
                ProcedureVersion.objects.filter(form_key=key).select_related("procedure").first()
            )
            definition = get_definition(key)
            if version is None or definition is None:
                rows.append((key, None, None))
                continue
            context = definition.prefill(user=user, version=version)
            rows.append((key, version, (prefill_coverage(definition, context), context)))

    if args.markdown:
        print(
            "| e-form | procedure | text fields | prefilled | defaulted | typed | typed share |"
            " chosen | sources |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for key, version, result in rows:
        if result is None:
            print(f"{key}: no procedure version uses this form yet")
            continue
        coverage, context = result
        sources = ", ".join(context.used) or "-"
        if context.unavailable:
            sources += f" (unavailable: {', '.join(context.unavailable)})"
        if args.markdown:
            print(
                f"| {key} | {version.procedure.code} | {coverage.text_fields} | "
                f"{coverage.prefilled} | {coverage.defaulted} | {coverage.typed} | "
                f"{coverage.typed_share:.0%} | {coverage.chosen} | {sources} |"
            )
        else:
            print(
                f"{key:32} {version.procedure.code}  text {coverage.text_fields:3}  "
                f"prefilled {coverage.prefilled:3}  defaulted {coverage.defaulted:2}  "
                f"typed {coverage.typed:3} ({coverage.typed_share:.0%})  chosen "
                f"{coverage.chosen:3}  sources: {sources}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
