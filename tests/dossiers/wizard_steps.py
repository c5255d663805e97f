"""Driving the e-form wizard with the test client: start a birth registration, post a step,
and the child's answers."""

from __future__ import annotations

from django.urls import reverse


def start(client) -> str:
    """The new draft's own address, /apply/<draft>/ (its steps are /apply/<draft>/<step>/)."""
    response = client.post(reverse("procedures:start", args=["1.001193"]))
    assert response.status_code == 302
    # straight to the draft's current step: /apply/<draft>/<step>/
    draft_url, step = response["Location"].rstrip("/").rsplit("/", 1)
    assert step in ("child", "applicant", "mother", "father"), step
    return f"{draft_url}/"


def post(client, url: str, step: str, data: dict, files: dict | None = None):
    """Post one step's answers to the step's own address."""
    prefix = url.rstrip("/").rsplit("/", 1)[-1]
    payload = {f"{prefix}-current_step": step}
    payload.update({f"{step}-{k}": v for k, v in data.items()})
    payload.update({f"{step}-{k}": v for k, v in (files or {}).items()})
    return client.post(f"{url}{step}/", payload)


CHILD = {
    "full_name": "Trần  Minh An",
    "sex": "male",
    "date_of_birth": "10/11/2026",
    "ethnicity": "Kinh",
    "nationality": "Việt Nam",
}

#: the relationship and the contact details, asked on one page ("About you")
APPLICANT = {"relationship": "mother", "email": "lan@example.vn", "phone": "0912 345 678"}
