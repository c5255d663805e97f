"""A mock provincial settlement system (issue 13): it receives paper dossiers at its own
counter, processes them on a clock, and synchronises every dossier and step with the portal
through the signed ingest API (`POST /api/interop/sync/records`), as a province's own system
does through the national data exchange platform.

Started by `python -m national_mocks` when NATIONAL_MOCKS_PROVINCE_CONFIG names a JSON file
(`manage.py sync_demo_system` writes it for the demo):

    {"portal_url": "http://127.0.0.1:8000", "system": "demo-hanoi", "secret": "...",
     "agencies": ["00070.00.H01", ...], "procedures": ["1.001193", ...],
     "interval_seconds": 30}

Every `interval_seconds` a person from the demo people comes to the counter with a dossier;
each dossier then moves on its own clock: in processing after 1 minute, result ready after
3, returned after 5. What is not yet accepted by the portal (it is down, or starting) is
sent again on the next tick. `GET /province/v1/dossiers` lists the system's dossiers and
`POST /province/v1/counter` receives one at once (for a demonstration).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

import request_signing as signing

from . import people

logger = logging.getLogger(__name__)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SYNC_PATH = "/api/interop/sync/records"
#: (minutes after reception, national status, what the step says)
SCHEDULE = (
    (0, 2, "Tiếp nhận hồ sơ giấy tại Bộ phận Một cửa"),
    (1, 4, "Chuyển chuyên viên thẩm định"),
    (3, 9, "Lãnh đạo ký duyệt, đã có kết quả"),
    (5, 10, "Trả kết quả cho người nộp"),
)


def national(moment: dt.datetime) -> str:
    return moment.astimezone(TZ).strftime("%Y%m%d%H%M%S")


@dataclass
class CounterDossier:
    code: str
    procedure: str
    agency: str
    person: tuple[str, str]  # identification number, name
    received_at: dt.datetime
    steps_done: int = 0  # steps of SCHEDULE that have happened
    steps_sent: int = 0  # of those, accepted by the portal
    created_sent: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "procedure_code": self.procedure,
            "agency_code": self.agency,
            "applicant": self.person[1],
            "received_at": national(self.received_at),
            "status": SCHEDULE[self.steps_done - 1][1] if self.steps_done else None,
            "steps_done": self.steps_done,
            "steps_synchronised": self.steps_sent,
        }


@dataclass
class ProvincialSystem:
    portal_url: str
    system: str
    secret: str
    agencies: list[str]
    procedures: list[str]
    interval_seconds: float = 30.0
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(TZ))
    send: Callable[[bytes, dict[str, str]], dict[str, Any] | None] | None = None
    dossiers: list[CounterDossier] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _last_arrival: dt.datetime | None = None
    _serial: int = 0

    # --- the counter and the clock ------------------------------------------------------------

    def receive(self, now: dt.datetime | None = None) -> CounterDossier:
        """A person comes to the counter with a paper dossier."""
        now = (now or self.clock()).replace(microsecond=0)
        with self._lock:
            self._serial += 1
            demo = people._load()
            person = demo[self._serial % len(demo)]
            agency = self.agencies[self._serial % len(self.agencies)]
            dossier = CounterDossier(
                code=f"{agency}-{now:%y%m%d%H%M%S}-{self._serial:03d}".upper()[:40],
                procedure=self.procedures[self._serial % len(self.procedures)],
                agency=agency,
                person=(person.identification_number, person.full_name),
                received_at=now,
                steps_done=1,
            )
            self.dossiers.append(dossier)
            self._last_arrival = now
        return dossier

    def tick(self, now: dt.datetime | None = None) -> dict[str, Any] | None:
        """Move the clock: a new arrival when one is due, each dossier's steps that are due,
        then send what the portal has not accepted yet. Returns the portal's answer."""
        now = now or self.clock()
        if self._last_arrival is None or (now - self._last_arrival).total_seconds() >= (
            self.interval_seconds
        ):
            self.receive(now)
        with self._lock:
            for dossier in self.dossiers:
                while dossier.steps_done < len(SCHEDULE) and now >= dossier.received_at + (
                    dt.timedelta(minutes=SCHEDULE[dossier.steps_done][0])
                ):
                    dossier.steps_done += 1
            records, sent = self._pending()
        if not records:
            return None
        body = json.dumps({"records": records}, ensure_ascii=False).encode()
        answer = self._post(body)
        if answer is None:
            return None
        with self._lock:
            for result, (dossier, done) in zip(answer.get("results", []), sent, strict=False):
                if result.get("accepted"):
                    dossier.created_sent = True
                    dossier.steps_sent = done
                else:
                    logger.warning("province mock: %s refused: %s", dossier.code, result)
        return answer

    def _pending(self) -> tuple[list[dict[str, Any]], list[tuple[CounterDossier, int]]]:
        records, sent = [], []
        for dossier in self.dossiers:
            if dossier.created_sent and dossier.steps_sent == dossier.steps_done:
                continue
            steps = [
                {
                    "id": str(i + 1),
                    "at": national(dossier.received_at + dt.timedelta(minutes=SCHEDULE[i][0])),
                    "status": SCHEDULE[i][1],
                    "note": SCHEDULE[i][2],
                }
                for i in range(dossier.steps_done)
            ]
            record: dict[str, Any] = {"code": dossier.code, "steps": steps}
            if not dossier.created_sent:
                received = dossier.received_at
                record.update(
                    procedure_code=dossier.procedure,
                    agency_code=dossier.agency,
                    received_at=national(received),
                    due_at=national(received + dt.timedelta(days=3)),
                    channel=1,
                    applicant={
                        "type": "citizen",
                        "personal_id": dossier.person[0],
                        "name": dossier.person[1],
                    },
                    documents=[{"name": "Tờ khai", "digitised": True}],
                    fees=[],
                )
            records.append(record)
            sent.append((dossier, dossier.steps_done))
            if len(records) == 500:
                break
        return records, sent

    def _post(self, body: bytes) -> dict[str, Any] | None:
        headers = signing.sign_headers(
            client_id=self.system, secret=self.secret, method="POST", path=SYNC_PATH, body=body
        )
        headers["Content-Type"] = "application/json"
        if self.send is not None:
            return self.send(body, headers)
        try:
            response = requests.post(
                self.portal_url.rstrip("/") + SYNC_PATH, data=body, headers=headers, timeout=10
            )
        except requests.RequestException as error:
            logger.info("province mock: the portal is not reachable (%s); later", error)
            return None
        if response.status_code != 200:
            logger.warning("province mock: the portal answered %s", response.status_code)
            return None
        return response.json()

    # --- running ---------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event, period: float = 5.0) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a mock must keep running; the log says what went wrong
                logger.exception("province mock: tick failed")
            stop.wait(period)


_SYSTEM: ProvincialSystem | None = None


def from_config(path: str | Path) -> ProvincialSystem:
    config = json.loads(Path(path).read_text(encoding="utf-8"))
    return ProvincialSystem(
        portal_url=config["portal_url"],
        system=config["system"],
        secret=config["secret"],
        agencies=list(config["agencies"]),
        procedures=list(config["procedures"]),
        interval_seconds=float(config.get("interval_seconds", 30)),
    )


def start(path: str | Path) -> threading.Event:
    """Run the mock system in a daemon thread; set the returned event to stop it."""
    global _SYSTEM
    _SYSTEM = from_config(path)
    stop = threading.Event()
    threading.Thread(
        target=_SYSTEM.run_forever, args=(stop,), name="province-mock", daemon=True
    ).start()
    time.sleep(0)  # let it start
    return stop


@require_GET
def dossiers(request: HttpRequest) -> JsonResponse:
    if _SYSTEM is None:
        return JsonResponse({"detail": "the provincial system is not configured"}, status=404)
    with _SYSTEM._lock:
        listed = [d.as_dict() for d in _SYSTEM.dossiers]
    return JsonResponse({"system": _SYSTEM.system, "dossiers": listed})


@csrf_exempt
@require_POST
def counter(request: HttpRequest) -> JsonResponse:
    if _SYSTEM is None:
        return JsonResponse({"detail": "the provincial system is not configured"}, status=404)
    dossier = _SYSTEM.receive()
    return JsonResponse(dossier.as_dict(), status=201)
