"""The portal's client of the national data exchange platform (population database).

Every request is signed with the scheme of `national_mocks.signing` (HMAC-SHA256, client id,
timestamp, nonce): the one implementation both sides use. Errors never carry personal data:
messages name the service and the failure only, and the original exception (whose text can
contain the URL, hence the identification number) is not chained.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from national_mocks.signing import sign_headers

SERVICE = "population"
CITIZEN_PATH = "/population/v1/citizens/{identification_number}"
_ID_RE = re.compile(r"\d{12}")


class NationalDataError(Exception):
    """Base class; the message is safe to log (no personal data)."""


class RecordNotFound(NationalDataError):
    """The registry answered that it holds no such record (404)."""


class SourceUnavailable(NationalDataError):
    """The registry could not answer: timeout, connection error, 5xx, refused signature."""


class NationalDataClient:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        timeout: float | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = (base_url or settings.NATIONAL_SERVICES_URL).rstrip("/")
        self.client_id = client_id or settings.PREFILL_CLIENT_ID
        self.client_secret = client_secret or settings.PREFILL_CLIENT_SECRET
        self.timeout = settings.PREFILL_TIMEOUT_SECONDS if timeout is None else timeout
        self.session = session or requests.Session()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> NationalDataClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get_citizen(self, identification_number: str) -> dict[str, Any]:
        """The population-database record of a 12-digit identification number.

        Spaces are ignored; anything else than 12 digits raises ValueError (validate first).
        """
        number = re.sub(r"\s+", "", identification_number)
        if not _ID_RE.fullmatch(number):
            raise ValueError("an identification number has 12 digits")
        path = CITIZEN_PATH.format(identification_number=quote(number, safe=""))
        record = self._get_json(path)
        if record.get("identification_number") != number:
            raise SourceUnavailable(f"{SERVICE}: the registry answered with another record")
        return record

    def _get_json(self, path: str) -> dict[str, Any]:
        prepared = self.session.prepare_request(requests.Request("GET", self.base_url + path))
        prepared.headers.update(
            sign_headers(
                client_id=self.client_id,
                secret=self.client_secret,
                method="GET",
                path=prepared.path_url,
                body=b"",
            )
        )
        try:
            response = self.session.send(prepared, timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise SourceUnavailable(f"{SERVICE}: timeout after {self.timeout:g} s") from None
        except requests.ConnectionError:
            raise SourceUnavailable(f"{SERVICE}: connection failed") from None
        except requests.RequestException as exc:
            raise SourceUnavailable(f"{SERVICE}: request failed ({type(exc).__name__})") from None

        if response.status_code == 404:
            raise RecordNotFound(f"{SERVICE}: no such record")
        if response.status_code in (401, 403):
            raise SourceUnavailable(
                f"{SERVICE}: request refused ({response.status_code} {_reason(response)})"
            )
        if response.status_code != 200:
            raise SourceUnavailable(f"{SERVICE}: unexpected answer HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise SourceUnavailable(f"{SERVICE}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise SourceUnavailable(f"{SERVICE}: the answer is not a JSON object")
        return data


def _reason(response: requests.Response) -> str:
    """The platform's refusal reason, if it is one of its short codes."""
    try:
        reason = response.json().get("reason", "")
    except (ValueError, AttributeError):
        return "no reason given"
    return reason if isinstance(reason, str) and re.fullmatch(r"[a-z_]{1,40}", reason) else "?"
