"""Which agency is competent for a dossier: a registry of resolvers per competent-agency kind.

A procedure version's implementation level names the kind of its competent agency; the
resolver for that kind finds the concrete agency from the administrative unit of the dossier.
A dossier whose competent agency cannot be resolved goes to triage.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from agencies.models import Agency, AgencyKind, Commune
from portal.registry import Registry
from procedures.models import ProcedureVersion


@dataclass(frozen=True)
class RoutingInput:
    version: ProcedureVersion
    commune: Commune | None


Resolver = Callable[[RoutingInput], Agency | None]


class RoutingRegistry(Registry[Resolver]):
    """Agency kind -> resolver of the competent agency (portal.registry's rules)."""

    def __init__(self) -> None:
        super().__init__("routing resolver for agency kind")

    def resolve(self, routing_input: RoutingInput, *, kind: str | None = None) -> Agency | None:
        if kind is None:
            level = routing_input.version.levels.order_by("level").last()
            if level is None:
                return None
            kind = level.competent_agency_kind
        resolver = self.find(kind)
        return resolver(routing_input) if resolver else None


registry = RoutingRegistry()


def _active(queryset):
    return queryset.filter(valid_to__isnull=True).order_by("code").first()


@registry.register(AgencyKind.COMMUNE_COMMITTEE)
def commune_committee(routing_input: RoutingInput) -> Agency | None:
    if routing_input.commune is None:
        return None
    return _active(
        Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE, commune=routing_input.commune)
    )


@registry.register(AgencyKind.COMMUNE_POLICE)
def commune_police(routing_input: RoutingInput) -> Agency | None:
    if routing_input.commune is None:
        return None
    return _active(
        Agency.objects.filter(kind=AgencyKind.COMMUNE_POLICE, commune=routing_input.commune)
    )


@registry.register(AgencyKind.PROVINCE_COMMITTEE)
def province_committee(routing_input: RoutingInput) -> Agency | None:
    if routing_input.commune is None:
        return None
    return _active(
        Agency.objects.filter(
            kind=AgencyKind.PROVINCE_COMMITTEE, province_id=routing_input.commune.province_id
        )
    )


@registry.register(AgencyKind.SOCIAL_INSURANCE)
def provincial_social_insurance(routing_input: RoutingInput) -> Agency | None:
    if routing_input.commune is None:
        return None
    return _active(
        Agency.objects.filter(
            kind=AgencyKind.SOCIAL_INSURANCE, province_id=routing_input.commune.province_id
        )
    )


def _competent_level(version: ProcedureVersion):
    return version.levels.order_by("level").last()


@registry.register(AgencyKind.PROVINCE_DEPARTMENT)
def province_department(routing_input: RoutingInput) -> Agency | None:
    """A provincial department (Department of Justice, provincial police...): its number in
    agencies/data/ministries.json is named by the procedure's implementation level."""
    if routing_input.commune is None:
        return None
    level = _competent_level(routing_input.version)
    number = getattr(level, "competent_agency_number", "") if level else ""
    if not number:
        return None
    province_code = routing_input.commune.province.code
    return _active(
        Agency.objects.filter(
            code=f"000.00.{number}.H{province_code}",
            province_id=routing_input.commune.province_id,
        )
    )


@registry.register(AgencyKind.MINISTRY)
def ministry(routing_input: RoutingInput) -> Agency | None:
    """A ministry or one of its central units, named by code on the implementation level."""
    level = _competent_level(routing_input.version)
    code = getattr(level, "competent_agency_code", "") if level else ""
    if not code:
        return None
    return _active(Agency.objects.filter(code=code))


@registry.register(AgencyKind.SERVICE_CENTRE)
def service_centre(routing_input: RoutingInput) -> Agency | None:
    """The provincial Public Administration Service Centre (number 20)."""
    if routing_input.commune is None:
        return None
    return _active(
        Agency.objects.filter(
            kind=AgencyKind.SERVICE_CENTRE, province_id=routing_input.commune.province_id
        )
    )


#: How long a resolved agency is reused. A save or delete of a routing rule, an agency or an
#: implementation level, `RoutingRule.objects.update()` and the bulk load of the reference data
#: (`agencies.signals.reference_data_changed`) forget every cached answer at once (and again
#: when they commit); another bulk change that sends no signal is seen after this many seconds
#: at the latest, or at once after `routing_cache_clear()`.
ROUTING_CACHE_SECONDS = 60
_GENERATION_KEY = "routing:generation"
_NONE = "none"


def routing_cache_clear() -> None:
    """Forget every cached routing answer, in every process (through the Django cache)."""
    cache.set(_GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def _generation() -> str:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        cache.add(_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(_GENERATION_KEY, "")
    return str(generation)


def routing_changed(*, using: str = "default", **kwargs: object) -> None:
    """Signal receiver (dossiers.apps): now, for this process's own transaction, and on commit,
    so that no process keeps what it read before the change was visible."""
    routing_cache_clear()
    transaction.on_commit(routing_cache_clear, using=using)


def resolve_competent_agency(
    *, version: ProcedureVersion, commune: Commune | None, kind: str | None = None
) -> Agency | None:
    """The competent agency: by the version's implementation level, or for `kind` (a part of a
    linked bundle names its own agency kind). The answer is cached per (version, commune,
    kind): finding it costs three queries and ~8 ms of CPU (docs/benchmarks.md, 9)."""
    key = f"routing:{_generation()}:{version.pk}:{commune.pk if commune else 0}:{kind or ''}"
    cached = cache.get(key)
    if cached is not None:
        return None if cached == _NONE else cached
    agency = _resolve(version=version, commune=commune, kind=kind)
    cache.set(key, _NONE if agency is None else agency, timeout=ROUTING_CACHE_SECONDS)
    return agency


def _resolve(
    *, version: ProcedureVersion, commune: Commune | None, kind: str | None
) -> Agency | None:
    if kind is None:
        ruled = rule_match(version=version, commune=commune)
        if ruled is not None:
            return ruled
    return registry.resolve(RoutingInput(version=version, commune=commune), kind=kind)


def rule_match(*, version: ProcedureVersion, commune: Commune | None) -> Agency | None:
    """The agency of the first active administrator rule that matches, if any."""
    from django.db.models import Q

    from .models import RoutingRule

    rules = RoutingRule.objects.filter(is_active=True, agency__valid_to__isnull=True).filter(
        Q(procedure__isnull=True) | Q(procedure_id=version.procedure_id)
    )
    if commune is None:
        rules = rules.filter(province__isnull=True, commune__isnull=True)
    else:
        rules = rules.filter(Q(province__isnull=True) | Q(province_id=commune.province_id)).filter(
            Q(commune__isnull=True) | Q(commune=commune)
        )
    rule = rules.select_related("agency").order_by("order", "id").first()
    return rule.agency if rule else None
