"""The back-office queue's rows, before and after `selectors.queue_rows` (issue 11), in one
process: the old rows query (every column of the dossier, its procedure version, procedure,
agency, commune and province) against the columns a row shows, alternated in `--rounds`
rounds of `--requests` requests a page; the CPU of this process per request (PostgreSQL's not
counted), the queries and the page's bytes (the same page both ways). Data: the people and
dossiers of bench/signed_in.py's `prepare()` (an agency with 10,000 dossiers) on the database
of `DATABASE_URL` (made by bench/signed_in.py, or migrated and loaded beforehand);
`--form-data` first stores a birth registration's answers (~1.8 KB of JSON with the prefill
sources) in every dossier, as real ones carry them.

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=40, help="requests a page a round")
    parser.add_argument("--form-data", action="store_true")
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

    from dossiers import selectors
    from dossiers.models import Dossier

    def before(dossiers, ids):
        return selectors.with_deadline_states(dossiers.filter(pk__in=ids))

    sides = {"before": before, "after": selectors.queue_rows}
    if args.form_data:
        prefilled = {
            key: {"source": "population", "at": "2026-11-20T09:12:00+07:00", "fields": list(v)}
            for key, v in FORM.items()
            if isinstance(v, dict)
        }
        count = Dossier.objects.update(data=FORM, prefilled_from=prefilled)
        size = len(json.dumps(FORM, ensure_ascii=False).encode()) + len(json.dumps(prefilled))
        print(f"form data ({size:,} bytes of JSON) stored in {count:,} dossiers")
    client = Client(HTTP_ACCEPT_LANGUAGE="vi", HTTP_HOST="127.0.0.1")
    name, value = data["officer"].split("=", 1)
    client.cookies[name] = value
    paths = ["/backoffice/?queue=new", "/backoffice/?queue=processing"]

    def cpu_ms(path: str) -> float:
        for _ in range(3):
            assert client.get(path).status_code == 200
        started = time.process_time()
        for _ in range(args.requests):
            client.get(path)
        return 1000 * (time.process_time() - started) / args.requests

    found: dict[tuple[str, str], list[float]] = {}
    for round_ in range(args.rounds):
        order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
        for side in order:
            selectors.queue_rows = sides[side]
            for path in paths:
                found.setdefault((path, side), []).append(cpu_ms(path))
    for path in paths:
        for side, rows in sides.items():
            selectors.queue_rows = rows
            with CaptureQueriesContext(connection) as captured:
                body = client.get(path).content
            runs = found[(path, side)]
            print(
                f"{path} {side}: CPU ms/request median {statistics.median(runs):.1f} "
                f"(rounds {' / '.join(f'{r:.1f}' for r in runs)}); "
                f"{len(captured.captured_queries)} queries; {len(body):,} bytes"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
