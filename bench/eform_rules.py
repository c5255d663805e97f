"""What the e-forms' rules across fields cost a page: the CPU of validating a question page of
each of the twelve forms with its rules and without them, side by side in one run.

    uv run python bench/eform_rules.py [--rounds 2000] [--repeat 3]

Each page with rules (dossiers/eforms/rules.py) is bound to answers that keep every rule and
validated `--rounds` times with the rules and `--rounds` times without (the same form class
built with an empty rule list), alternating, `--repeat` times; the figure is the CPU
(`time.process_time`) per validation, the median of the repeats. No database, no template: the
difference is what a POST of that page (and the revalidation of the whole form at submission)
pays for its rules. Pages whose rules read earlier pages also revalidate those pages' forms
on the way (the wizard's dependencies): one form validation more, measured here as the
validation of the page without rules."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    from dossiers.eforms.loading import definition_files
    from dossiers.eforms.rules import rules_by_step
    from dossiers.eforms.steps import step_specs

    born = dt.date(1990, 3, 12)
    number = "001090012345"  # a man born in 1990
    typed = {
        "date": born.isoformat(),
        "personal_id": number,
        "text": "Nguyễn Văn An",
        "textarea": "Hà Nội",
        "number": "1",
        "email": "an@example.vn",
        "phone": "0912345678",
        "boolean": "on",
    }
    print(f"{'form / page':48} {'rules':>5} {'without us':>11} {'with us':>9} {'+us':>6}")
    for key, definition in sorted(definition_files().items()):
        steps = {s["name"]: s for s in definition["steps"]}
        for step_name, rules in rules_by_step(definition).items():
            step = steps[step_name]
            data = {}
            for spec in step["fields"]:
                value = typed.get(spec["type"])
                if spec["type"] == "choice":
                    values = [c["value"] for c in spec["choices"]]
                    value = "male" if "male" in values else values[0]
                if spec["type"] == "multichoice":
                    value = [spec["choices"][0]["value"]]
                if value is not None:
                    data[f"{step_name}-{spec['name']}"] = value
            with_rules = step_specs(step, rules)[0].form_class
            without = step_specs(step, [])[0].form_class

            def run(cls, data=data, step_name=step_name) -> float:
                started = time.process_time()
                for _ in range(args.rounds):
                    cls(data=data, prefix=step_name, answers={}).is_valid()
                return (time.process_time() - started) / args.rounds * 1e6

            pairs = [(run(without), run(with_rules)) for _ in range(args.repeat)]
            a = statistics.median(p[0] for p in pairs)
            b = statistics.median(p[1] for p in pairs)
            print(f"{key + ' / ' + step_name:48} {len(rules):5} {a:11.0f} {b:9.0f} {b - a:6.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
