"""The back-office queue's pages in one process (issue 11): `--rounds` rounds of `--requests`
requests a page, the CPU of this process per request (PostgreSQL's not counted), the queries
and the page's bytes. Section 29 of docs/benchmarks.md ran it with the rows query as it was
before `selectors.queue_rows` swapped in; section 30 compares two commits with it, each
running its own copy. Data: the people and
dossiers of bench/signed_in.py's `prepare()` (an agency with 10,000 dossiers) on the database
of `DATABASE_URL` (made by bench/signed_in.py, or migrated and loaded beforehand);
`--form-data` first stores a birth registration's answers (~1.8 KB of JSON with the prefill
sources) in every dossier, as real ones carry them; `--finished N` gives the agency N more
finished dossiers (copies of one of its returned dossiers, codes `F-...`, made once and kept),
the history a busy office piles up over the years (issue 11, target 2: the page's cost should
not follow it).

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_signedin \\
        uv run python bench/queue_rows.py [--form-data]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.catalogue import web_environment

FORM = {
    "child": {
        "full_name": "Trần Minh An",
        "sex": "male",
        "date_of_birth": "2026-11-10",
        "place_of_birth": "Bệnh viện Phụ sản Hà Nội",
        "province": "01",
        "commune": "00070",
        "ethnicity": "Kinh",
        "nationality": "VN",
    },
    "applicant": {"relationship": "mother", "email": "lan@example.vn", "phone": "0912345678"},
    "mother": {
        "full_name": "Nguyễn Thị Lan",
        "date_of_birth": "1990-05-12",
        "personal_id": "001190012345",
        "ethnicity": "Kinh",
        "nationality": "VN",
        "residence": "Số 12 phố Hàng Bài, Phường Hoàn Kiếm, Thành phố Hà Nội",
    },
    "father": {
        "full_name": "Trần Văn Minh",
        "date_of_birth": "1988-02-03",
        "personal_id": "001088004321",
        "ethnicity": "Kinh",
        "nationality": "VN",
        "residence": "Số 12 phố Hàng Bài, Phường Hoàn Kiếm, Thành phố Hà Nội",
    },
    "documents": [{"component": "giay-chung-sinh", "name": "giay-chung-sinh.pdf", "size": 183211}],
    "declaration": True,
    "delivery": {"method": "online", "address": ""},
}


def add_finished(wanted: int) -> None:
    """Copies of one of the agency's returned dossiers until it has `wanted` of them (`F-`)."""
    from django.db import connection

    from dossiers.states.business import Status

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dossiers_dossier WHERE code LIKE 'F-%%'")
        have = cursor.fetchone()[0]
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'dossiers_dossier' AND column_name <> 'id'"
        )
        columns = [row[0] for row in cursor.fetchall()]
        made = {
            "code": "'F-' || lpad(g::text, 10, '0')",
            "submission_key": "NULL",
            "verification_token": "gen_random_uuid()",
            "status": str(int(Status.RETURNED)),
            "due_at": "d.due_at - (g || ' hours')::interval",
            "submitted_at": "d.submitted_at - (g || ' hours')::interval",
            # finished over the years before: one an hour, back from the copied one
            "processed_at": "d.processed_at - (g || ' hours')::interval",
        }
        select = ", ".join(made.get(c, f"d.{c}") for c in columns)
        for start in range(have + 1, wanted + 1, 100_000):
            stop = min(start + 99_999, wanted)
            cursor.execute(
                f"INSERT INTO dossiers_dossier ({', '.join(columns)}) "
                f"SELECT {select} FROM generate_series(%s, %s) g, "
                "(SELECT * FROM dossiers_dossier WHERE status = %s AND code NOT LIKE 'F-%%' "
                "ORDER BY id LIMIT 1) d",
                [start, stop, int(Status.RETURNED)],
            )
            print(f"finished dossiers: {stop:,} of {wanted:,}", flush=True)
        cursor.execute("ANALYZE dossiers_dossier")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=40, help="requests a page a round")
    parser.add_argument("--form-data", action="store_true")
    parser.add_argument("--finished", type=int, default=0, help="finished dossiers to add")
    args = parser.parse_args()

    _url, _var, env = web_environment(
        "postgres://portal:portal@127.0.0.1:5432/portal_signedin", "queue-rows"
    )
    env.update(CACHE_URL="locmemcache://", SECURE_SSL_REDIRECT="false")
    os.environ.update(env)
    from bench.signed_in import prepare

    data = prepare(10_000, 50)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dossiers.models import Dossier

    if args.form_data:
        prefilled = {
            key: {"source": "population", "at": "2026-11-20T09:12:00+07:00", "fields": list(v)}
            for key, v in FORM.items()
            if isinstance(v, dict)
        }
        count = Dossier.objects.update(data=FORM, prefilled_from=prefilled)
        size = len(json.dumps(FORM, ensure_ascii=False).encode()) + len(json.dumps(prefilled))
        print(f"form data ({size:,} bytes of JSON) stored in {count:,} dossiers")
    if args.finished:
        add_finished(args.finished)
    client = Client(HTTP_ACCEPT_LANGUAGE="vi", HTTP_HOST="127.0.0.1")
    name, value = data["officer"].split("=", 1)
    client.cookies[name] = value
    paths = [
        "/backoffice/?queue=new",
        "/backoffice/?queue=processing",
        "/backoffice/?queue=processing&deadline=late",
        "/backoffice/?queue=done",
    ]

    def cpu_ms(path: str) -> tuple[float, float]:
        for _ in range(3):
            assert client.get(path).status_code == 200
        started, wall = time.process_time(), time.perf_counter()
        for _ in range(args.requests):
            client.get(path)
        return (
            1000 * (time.process_time() - started) / args.requests,
            1000 * (time.perf_counter() - wall) / args.requests,
        )

    found: dict[str, list[tuple[float, float]]] = {}
    for _round in range(args.rounds):
        for path in paths:
            found.setdefault(path, []).append(cpu_ms(path))
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            body = client.get(path).content
        runs = found[path]
        cpu, wall = [r[0] for r in runs], [r[1] for r in runs]
        print(
            f"{path}: CPU ms/request median {statistics.median(cpu):.1f} "
            f"(rounds {' / '.join(f'{r:.1f}' for r in cpu)}); "
            f"wall ms/request (the database's time with it) median "
            f"{statistics.median(wall):.1f}; "
            f"{len(captured.captured_queries)} queries; {len(body):,} bytes"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
