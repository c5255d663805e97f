"""The prefill sources of the portal. Each talks to a national database over HTTP."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .national_client import NationalDataClient, RecordNotFound, SourceUnavailable
from .registry import SourceUnavailableError, register_source


@register_source("population")
class PopulationSource:
    key = "population"
    label = _("from the national population database")
    attributes = (
        "identification_number",
        "full_name",
        "gender",
        "date_of_birth",
        "ethnicity",
        "nationality",
        "permanent_address",
        "current_address",
        "marital_status",
        "spouse",
        "father",
        "mother",
    )

    def fetch(self, subject_id: str) -> dict[str, Any] | None:
        try:
            return NationalDataClient().get_citizen(subject_id)
        except RecordNotFound:
            return None
        except SourceUnavailable as exc:
            raise SourceUnavailableError(str(exc)) from exc
