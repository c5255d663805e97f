"""Dashboard latency at scale: the national dashboard, the index page, the busiest province and
the one-page PDF summary served through the
Django test client (the whole request: middleware, session, OTP check, selectors, SVG and
template rendering) against a PostgreSQL database filled by
`manage.py generate_history --dossiers N`.

    DATABASE_URL=postgres://portal:portal@localhost:5432/portal_bench1m \\
        uv run python bench/dashboard.py --requests 60
    DATABASE_URL=postgres://portal:portal@localhost:5432/portal_bench10m \\
        uv run python bench/dashboard.py --requests 60

Prints one JSON line per page with p50/p95/max in milliseconds, the number of dossiers and
the period. Warm-up requests are not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--period", default="2026")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dashboards.models import DashboardScope, ScopeLevel
    from portal.models import User

    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to the PostgreSQL database of generate_history.")
    settings.ALLOWED_HOSTS = ["*"]
    user, _ = User.objects.get_or_create(username="bench.national", defaults={"full_name": "Bench"})
    DashboardScope.objects.get_or_create(user=user, level=ScopeLevel.NATIONAL)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'dossiers_dossier'")
        dossiers = cursor.fetchone()[0]

    pages = {
        "national": f"/dashboards/national/?period={args.period}",
        "index": f"/dashboards/national/index/?period={args.period}",
        "province": None,
        # the one-page PDF summary (issue 16 item 5): the page's figures, charts drawn again
        "summary": f"/dashboards/national/summary.pdf?period={args.period}",
    }
    from dashboards.models import AreaFact

    busiest = (
        AreaFact.objects.filter(province_id__isnull=False)
        .values_list("province_id", flat=True)
        .order_by("-dossiers")
        .first()
    )
    pages["province"] = f"/dashboards/province/{busiest}/?period={args.period}"
    for name, url in pages.items():
        for _ in range(args.warmup):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        timings.sort()
        print(
            json.dumps(
                {
                    "page": name,
                    "dossiers": dossiers,
                    "period": args.period,
                    "requests": args.requests,
                    "p50_ms": round(statistics.median(timings), 1),
                    "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
                    "max_ms": round(timings[-1], 1),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
