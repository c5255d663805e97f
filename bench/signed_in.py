"""Signed-in pages bench: My dossiers, a wizard step, the back-office queue and a dashboard.

Issue 11, target 3: the pages people open all day once signed in, against the bare view, in
one run. Starts what ``bench/catalogue.py`` starts (gunicorn with 3 sync workers and the
production settings, a private Redis as the cache) plus the mocked national services (the
wizard's prefill reads them over HTTP), on a PostgreSQL database it fills once:

* the reference data and the catalogue, an agency (a commune People's Committee) with
  **10,000 dossiers** in every lifecycle state (``--agency-dossiers``), its officer (reception,
  specialist and leader, with a confirmed TOTP device), a citizen with **50 dossiers**
  (``--citizen-dossiers``) and an official with the national dashboard; the rollups rebuilt;
* a session for each of the three, written with Django's session store as signing in leaves
  it (the officer's and the official's with their second factor verified), sent as cookies;
* the citizen's draft of a birth registration (``/procedures/1.001193/start/``), whose
  current step is the wizard page measured.

Scenarios: the bare view, anonymous (the ceiling, as in ``bench/catalogue.py``) and with the
citizen's session; My dossiers; the wizard step; the officer's queue (the default tab "new",
"in processing", and the late ones); the national dashboard.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_signedin \\
        uv run python bench/signed_in.py --requests 300 --concurrency 4

Prints a Markdown table (stdout); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))

from bench.catalogue import (  # noqa: E402
    gunicorn,
    machine,
    manage,
    markdown_table,
    redis_server,
    rss_of_children,
    run_load,
    web_environment,
)
from bench.harness import say  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://portal:portal@127.0.0.1:5432/portal_signedin"
CITIZEN_PID = "001190012345"  # a demo person of the national mocks (prefill finds her)
AGENCY_MARK = "bench.officer"


def prepare(agency_dossiers: int, citizen_dossiers: int) -> dict[str, str]:
    """In a process with Django set up: the people, the dossiers and their sessions."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db import connection
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agencies.models import Agency, AgencyKind, Membership
    from dashboards.models import DashboardScope, ScopeLevel
    from dossiers.models import Dossier
    from portal.models import User
    from tests.factories import OFFICER_ROLES, DossierFactory, birth_registration_version

    states = ({}, {"received": True}, {"in_processing": True}, {"supplement_requested": True},
              {"result_ready": True}, {"returned": True}, {"refused": True}, {"overdue": True})  # fmt: skip
    agency = (
        Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE, commune__isnull=False)
        .order_by("code")
        .first()
    )
    if agency is None:
        raise SystemExit("no commune People's Committee: load_reference_data first")
    citizen, _ = User.objects.get_or_create(
        username=f"sso-bench-{CITIZEN_PID}",
        defaults={
            "sso_subject": f"bench-{CITIZEN_PID}",
            "personal_id": CITIZEN_PID,
            "full_name": "Nguyễn Thị Lan",
            "email": "lan@example.vn",
        },
    )
    others, _ = User.objects.get_or_create(
        username="sso-bench-others",
        defaults={
            "sso_subject": "bench-others",
            "personal_id": "001088004321",
            "full_name": "Trần Văn Minh",
        },
    )
    officer, _ = User.objects.get_or_create(username=AGENCY_MARK, defaults={"full_name": "Cán bộ"})
    for role in OFFICER_ROLES:
        Membership.objects.get_or_create(user=officer, agency=agency, role=role)
    official, _ = User.objects.get_or_create(
        username="bench.national", defaults={"full_name": "Lãnh đạo"}
    )
    DashboardScope.objects.get_or_create(user=official, level=ScopeLevel.NATIONAL)

    version = birth_registration_version()
    have = Dossier.objects.filter(competent_agency=agency).count()
    if have < agency_dossiers:
        say(f"{agency_dossiers - have} dossiers for {agency.code} (bulk insert)")
        mine = Dossier.objects.filter(applicant=citizen).count()
        batch = []
        for n in range(have, agency_dossiers):
            applicant = citizen if mine < citizen_dossiers else others
            mine += applicant is citizen
            dossier = DossierFactory.build(
                code=f"B-{n:08d}",
                procedure_version=version,
                applicant=applicant,
                competent_agency=agency,
                **states[n % len(states)],
            )
            batch.append(dossier)
            if len(batch) == 2000:
                Dossier.objects.bulk_create(batch)
                batch = []
        Dossier.objects.bulk_create(batch)
        call_command("rebuild_rollups")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    store = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = {}
    for name, user in (("citizen", citizen), ("officer", officer), ("official", official)):
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if name != "citizen":
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, name="bench", defaults={"confirmed": True}
            )
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        cookies[name] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    return {
        **cookies,
        "agency": agency.code,
        "agency_dossiers": str(Dossier.objects.filter(competent_agency=agency).count()),
        "citizen_dossiers": str(Dossier.objects.filter(applicant=citizen).count()),
    }


def wizard_step(base: str, cookie: str) -> str:
    """The citizen's draft of a birth registration: its address (the current step)."""
    import requests

    response = requests.get(
        f"{base}/procedures/1.001193/start/",
        headers={"X-Forwarded-Proto": "https", "Cookie": cookie},
        allow_redirects=False,
        timeout=60,
    )
    location = response.headers.get("Location", "")
    if response.status_code != 302 or "/apply/" not in location:
        raise SystemExit(f"starting the draft: HTTP {response.status_code} {location}")
    return location.replace(base, "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per scenario")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--redis-port", type=int, default=6393)
    parser.add_argument("--agency-dossiers", type=int, default=10_000)
    parser.add_argument("--citizen-dossiers", type=int, default=50)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:  # the child process that writes the data and the sessions
        print(json.dumps(prepare(args.agency_dossiers, args.citizen_dossiers)))
        return 0

    database_url, var_dir, env = web_environment(DEFAULT_DATABASE_URL, "signed-in")
    env["DATABASE_CONN_MAX_AGE"] = "60"
    from tests.fixtures_mocks import start_national_mocks

    info = machine()
    results = []
    with contextlib.ExitStack() as stack:
        env["CACHE_URL"] = stack.enter_context(redis_server(args.redis_port, var_dir))
        mocks = stack.enter_context(
            start_national_mocks(
                Path(var_dir) / "mocks",
                NATIONAL_MOCKS_CLIENTS=f"national-portal:{env['PREFILL_CLIENT_SECRET']}",
            )
        )
        env["NATIONAL_SERVICES_URL"] = mocks.url
        say(f"migrate, reference data and catalogue into {database_url.rsplit('/', 1)[-1]}")
        manage(env, "migrate", "--noinput")
        manage(env, "load_reference_data")
        manage(env, "load_procedures")
        manage(env, "collectstatic", "--noinput")
        prepared = subprocess.run(
            [
                sys.executable,
                __file__,
                "--prepare",
                f"--agency-dossiers={args.agency_dossiers}",
                f"--citizen-dossiers={args.citizen_dossiers}",
            ],
            cwd=REPO_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if prepared.returncode:
            raise SystemExit(f"preparing the data failed:\n{prepared.stderr[-3000:]}")
        data = json.loads(prepared.stdout.strip().splitlines()[-1])
        say(
            f"agency {data['agency']}: {data['agency_dossiers']} dossiers; the citizen has "
            f"{data['citizen_dossiers']}"
        )
        server = stack.enter_context(gunicorn(env, args.port, args.workers))
        base = f"http://127.0.0.1:{args.port}"
        wizard = wizard_step(base, data["citizen"])
        scenarios = [
            ("bare view, anonymous (ceiling)", "", ["/bench/bare/"]),
            ("bare view, signed in", data["citizen"], ["/bench/bare/"]),
            (f"My dossiers ({data['citizen_dossiers']} dossiers)", data["citizen"], ["/dossiers/"]),
            ("wizard step (birth registration)", data["citizen"], [wizard]),
            (
                f"back-office queue ({int(data['agency_dossiers']):,} dossiers)",
                data["officer"],
                ["/backoffice/"],
            ),
            (
                "back-office queue, in processing",
                data["officer"],
                ["/backoffice/?queue=processing"],
            ),
            (
                "back-office queue, late dossiers",
                data["officer"],
                ["/backoffice/?queue=processing&deadline=late"],
            ),
            ("national dashboard", data["official"], ["/dashboards/national/"]),
        ]
        for name, cookie, paths in scenarios:
            headers = {"Cookie": cookie} if cookie else {}
            say(f"{name}: warm-up")
            warm = run_load(name, base, paths, 20, args.concurrency, headers)
            if warm.errors:
                raise SystemExit(f"{name}: {warm.statuses} on {paths}")
            say(f"{name}: {args.requests} requests, concurrency {args.concurrency}")
            results.append(run_load(name, base, paths, args.requests, args.concurrency, headers))
        worker_rss = rss_of_children(server.pid)
    print(
        f"machine: {info['cores']} cores ({info['cpu']}), {info['ram']}, Python {info['python']}, "
        f"load average before the run {info['load average before']}"
    )
    print(
        f"gunicorn {args.workers} sync workers, production settings, cache redis, "
        f"CONN_MAX_AGE 60; {args.requests} requests per scenario, {args.concurrency} concurrent "
        f"clients on the same machine; RSS of the workers after the run: "
        f"{', '.join(f'{mb:.0f} MB' for mb in worker_rss)}\n"
    )
    print(markdown_table(results))
    return 0 if all(result.errors == 0 for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
