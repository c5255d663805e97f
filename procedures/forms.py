"""The catalogue's GET form: a query and the browse filters (every page works without JavaScript)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import AgencyKind, AgencyLevel

from .models import ApplicantType, LifeEvent, Sector
from .selectors import CatalogueFilters

_ANY = [("", _("Any"))]


class CatalogueForm(forms.Form):
    q = forms.CharField(label=_("Search procedures"), required=False, max_length=200)
    life_event = forms.ChoiceField(label=_("Life event"), required=False)
    audience = forms.ChoiceField(
        label=_("For"), required=False, choices=_ANY + list(ApplicantType.choices)
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_ANY
        + [(level.value, level.label) for level in AgencyLevel if level != AgencyLevel.DISTRICT],
    )
    agency = forms.ChoiceField(
        label=_("Who decides"), required=False, choices=_ANY + list(AgencyKind.choices)
    )
    ministry = forms.CharField(label=_("Ministry"), required=False, max_length=24)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    essential = forms.BooleanField(label=_("Essential services only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        life_event = cast(forms.ChoiceField, self.fields["life_event"])
        sector = cast(forms.ChoiceField, self.fields["sector"])
        life_event.choices = _ANY + [(e.slug, e.label) for e in LifeEvent.objects.all()]
        sector.choices = _ANY + [(s.code, s.label) for s in Sector.objects.all()]

    def clean_ministry(self) -> str:
        from agencies.models import Agency

        code = (self.cleaned_data.get("ministry") or "").strip()
        if code and not Agency.objects.filter(code=code, level=AgencyLevel.MINISTRY).exists():
            raise forms.ValidationError(_("Choose a ministry from the list."), code="invalid")
        return code

    def query_and_filters(self) -> tuple[str, CatalogueFilters]:
        """The valid part of the request: an invalid filter is left out (and reported)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return data.get("q") or "", CatalogueFilters(
            level=data.get("level"),
            sector=data.get("sector") or None,
            agency=data.get("agency") or None,
            ministry=data.get("ministry") or None,
            audience=data.get("audience") or None,
            life_event=data.get("life_event") or None,
            essential=bool(data.get("essential")),
        )
