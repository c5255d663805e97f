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
    name = _("the national population database")
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
        "religion",
        "home_town",
        "place_of_birth_registration",
        "head_of_household",
        "household_book_number",
        "verified",
    )

    def fetch(self, subject_id: str) -> dict[str, Any] | None:
        try:
            return NationalDataClient().get_citizen(subject_id)
        except RecordNotFound:
            return None
        except SourceUnavailable as exc:
            raise SourceUnavailableError(str(exc)) from exc


class _RegistrySource:
    """A registry reached through the national data exchange; `_get` returns the record."""

    key = ""
    label: Any = ""
    name: Any = ""
    attributes: tuple[str, ...] = ()

    def _get(self, client: NationalDataClient, subject_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def fetch(self, subject_id: str) -> dict[str, Any] | None:
        try:
            return self._get(NationalDataClient(), subject_id)
        except RecordNotFound:
            return None
        except SourceUnavailable as exc:
            raise SourceUnavailableError(str(exc)) from exc


@register_source("business")
class BusinessSource(_RegistrySource):
    """The enterprises a person represents: the record is the first one (with the list)."""

    label = _("from the national business registration database")
    name = _("the national business registration database")
    attributes = (
        "enterprise_code",
        "tax_code",
        "name",
        "english_name",
        "legal_form",
        "address",
        "legal_representative",
        "status",
        "registered_capital",
        "business_lines",
        "enterprises",
    )

    def _get(self, client: NationalDataClient, subject_id: str) -> dict[str, Any] | None:
        enterprises = client.get_enterprises_of_representative(subject_id)
        if not enterprises:
            return None
        return {**enterprises[0], "enterprises": enterprises}


@register_source("insurance")
class InsuranceSource(_RegistrySource):
    label = _("from the social and health insurance database")
    name = _("the social and health insurance database")
    attributes = (
        "social_insurance_number",
        "health_insurance_card_number",
        "card_valid_from",
        "card_valid_to",
        "benefit_level",
        "registered_hospital",
    )

    def _get(self, client: NationalDataClient, subject_id: str) -> dict[str, Any] | None:
        return client.get_insurance(subject_id)


@register_source("vehicles")
class VehiclesSource(_RegistrySource):
    label = _("from the national vehicle registration database")
    name = _("the national vehicle registration database")
    attributes = ("vehicles",)

    def _get(self, client: NationalDataClient, subject_id: str) -> dict[str, Any] | None:
        return {"vehicles": client.get_vehicles(subject_id)}


@register_source("licences")
class LicencesSource(_RegistrySource):
    label = _("from the national driving licence database")
    name = _("the national driving licence database")
    attributes = ("driving_licences",)

    def _get(self, client: NationalDataClient, subject_id: str) -> dict[str, Any] | None:
        licences = client.get_driving_licences(subject_id)
        return {"driving_licences": licences} if licences else None


@register_source("documents")
class DocumentStoreSource(_RegistrySource):
    """The person's e-document store: results and documents of earlier dossiers."""

    label = _("from your e-document store")
    name = _("your e-document store")
    attributes = ("documents",)

    def _get(self, client: NationalDataClient, subject_id: str) -> dict[str, Any] | None:
        return {"documents": client.list_documents(subject_id)}
