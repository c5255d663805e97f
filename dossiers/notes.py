"""Timeline notes the portal writes itself, kept as a key and parameters and rendered in the
reader's language.

A note a person wrote (an officer's reason, a connected system's step) is kept as written in
`DossierEvent.note`. A note the portal composes ("Sent to the People's Committee of ...") is a
`Note`: the event stores its key and parameters (`note_key`, `note_params`) and the text in the
portal's language (`note`, read by the exports, the slips and the national synchronisation),
and every page renders it again in the reader's language, without a query: the parameters
hold every name in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from agencies.models import Agency

    from .models import DossierEvent

#: key -> English msgid (None: the note is its parameter "text"); parameters are plain
#: values, names in both languages ({"vi": ..., "en": ...}), the portal's words ({"word": key}),
#: a choice's label ({"choice": table, "value": value}), or lists of these joined with "; "
NOTES: dict[str, Any] = {
    "routed": _("Sent to %(agency)s."),
    "triage": _("The competent agency could not be determined; the dossier awaits triage."),
    "bundle_part": _("Part of the linked dossier %(code)s."),
    "fanned_out": _("Sent to %(agencies)s."),
    "transferred": _("Transferred from %(old)s to %(new)s: %(reason)s"),
    "assigned": _("Assigned to a specialist."),
    "result_number": _("Result number %(number)s."),
    "result_number_note": _("Result number %(number)s. %(note)s"),
    "delivery": None,  # the parameter "text": the delivery method's label
    "workflow_step": None,  # the parameter "text": the step's name
    "bundle_progress": _("All parts have reached this step."),
    "bundle_ended": _("No part of the bundle can go on: each was refused, withdrawn or stopped."),
    "paid_online": _("Paid online: %(amount)s (transaction %(transaction)s)."),
    # the reason is the leader's own words, kept as written
    "result_revoked": _("Result %(number)s revoked: %(reason)s"),
    "result_replaced": _("Result %(number)s revoked and replaced by result %(new)s: %(reason)s"),
}

#: names that are not data but the portal's own words, stored as a key of this table
WORDS = {
    "triage": _("triage"),
}


def bilingual_name(vi: str, en: str = "") -> dict[str, str]:
    """A name as a note's parameter: the official one and its English, if any."""
    return {"vi": vi, "en": en} if en else {"vi": vi}


def agency_name(agency: Agency | None) -> dict[str, str]:
    if agency is None:
        return {"word": "triage"}
    return bilingual_name(agency.name, agency.name_en)


def word(key: str) -> dict[str, str]:
    return {"word": key}


def _value(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(_value(v)) for v in value)
    if isinstance(value, dict):
        if "word" in value:
            return str(WORDS.get(value["word"], value["word"]))
        if "choice" in value:
            return str(_choice_label(value["choice"], value.get("value", "")))
        english = (get_language() or "vi").startswith("en")
        return (value.get("en") if english else None) or value.get("vi", "")
    return value


def _choice_label(choices: str, value: str) -> str:
    from .states.delivery import DeliveryMethod

    tables = {"delivery_method": DeliveryMethod}
    table = tables.get(choices)
    if table is None:
        return value
    try:
        return str(table(value).label)
    except ValueError:
        return value


@dataclass(frozen=True)
class Note:
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key not in NOTES:
            raise ValueError(f"unknown note key {self.key!r}")

    def render(self) -> str:
        """The note in the active language."""
        return render(self.key, self.params) or ""

    def in_portal_language(self) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return self.render()


def render(key: str, params: dict[str, Any] | None) -> str | None:
    """The note `key` in the active language; None when it cannot be rendered."""
    if key not in NOTES:
        return None
    template = NOTES[key]
    try:
        values = {name: _value(value) for name, value in (params or {}).items()}
        if template is None:
            return str(values["text"]).strip()
        return (str(template) % values).strip()
    except (KeyError, TypeError, ValueError):
        return None


def event_note(event: DossierEvent) -> str:
    """The note of a timeline entry for the reader: rendered from its key in the active
    language, or as written (a person's words; a row written before the keys existed)."""
    if event.note_key:
        text = render(event.note_key, event.note_params)
        if text is not None:
            return text
    return event.note
