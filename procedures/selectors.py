"""Reads of the procedure catalogue: browse by facets, search, the procedure page."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models import Value as V
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AgencyKind, AgencyLevel

from .models import (
    ApplicantType,
    ChannelKind,
    ImplementationLevel,
    LifeEvent,
    Procedure,
    ProcedureVersion,
    Sector,
)
from .search import Document, fold, parse_query, postgres_rank, python_rank

FACETS = ("level", "sector", "agency", "ministry", "audience", "life_event")


@dataclass(frozen=True)
class CatalogueFilters:
    """The browse filters; each is one value or None, all combinable."""

    level: int | None = None
    sector: str | None = None  # Sector.code
    agency: str | None = None  # competent agency kind (AgencyKind)
    ministry: str | None = None  # Agency.code of the managing ministry
    audience: str | None = None  # ApplicantType
    life_event: str | None = None  # LifeEvent.slug
    essential: bool = False

    def without(self, name: str) -> CatalogueFilters:
        changes: dict[str, Any] = {name: None}
        return replace(self, **changes)

    @property
    def active(self) -> bool:
        return any(getattr(self, name) not in (None, "") for name in FACETS) or self.essential


def procedures_published() -> QuerySet[Procedure]:
    return Procedure.objects.filter(is_published=True).select_related("sector").order_by("code")


def versions_in_force(on: dt.date | None = None) -> QuerySet[ProcedureVersion]:
    """Every published version in force on `on` (one per procedure, see version_in_force)."""
    on = on or timezone.localdate()
    candidates = ProcedureVersion.objects.filter(is_published=True, effective_from__lte=on).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on)
    )
    latest = candidates.filter(procedure=OuterRef("procedure")).order_by(
        "-effective_from", "-number"
    )
    return candidates.filter(pk=latest.values("pk")[:1])


def versions_in_force_ids(on: dt.date | None = None) -> list[int]:
    """The ids of `versions_in_force(on)`, read in one flat query and picked here.

    The catalogue's filters and facet counts join on this list instead of nesting the
    correlated "latest version" subquery inside their own: with statistics that say a table is
    empty (a freshly loaded or bulk-replaced catalogue, before ANALYZE) PostgreSQL planned the
    nested form as loops within loops, and one facet count took minutes instead of
    milliseconds (docs/benchmarks.md)."""
    on = on or timezone.localdate()
    rows = (
        ProcedureVersion.objects.filter(is_published=True, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("procedure_id", "-effective_from", "-number")
        .values_list("pk", "procedure_id")
    )
    ids: list[int] = []
    previous = None
    for pk, procedure_id in rows:
        if procedure_id != previous:
            ids.append(pk)
            previous = procedure_id
    return ids


def _levels_in_force(in_force: list[int], **lookups: Any) -> QuerySet[ImplementationLevel]:
    return ImplementationLevel.objects.filter(
        version_id__in=in_force, version__procedure=OuterRef("pk"), **lookups
    )


def _filtered(filters: CatalogueFilters) -> QuerySet[Procedure]:
    qs = procedures_published()
    if filters.level is not None or filters.agency:
        in_force = versions_in_force_ids()
    if filters.level is not None:
        qs = qs.filter(Exists(_levels_in_force(in_force, level=filters.level)))
    if filters.agency:
        qs = qs.filter(Exists(_levels_in_force(in_force, competent_agency_kind=filters.agency)))
    if filters.sector:
        qs = qs.filter(sector__code=filters.sector)
    if filters.ministry:
        qs = qs.filter(ministry__code=filters.ministry)
    if filters.audience:
        # JSON list of strings; `contains` is not available on SQLite, the quoted value is exact.
        qs = qs.filter(applicant_types__icontains=f'"{filters.audience}"')
    if filters.life_event:
        qs = qs.filter(life_events__slug=filters.life_event)
    if filters.essential:
        qs = qs.filter(essential_service=True)
    return qs


_REVISION_KEY = "procedures:catalogue-revision"
#: How long a search, the facet counts or a procedure page stay cached (seconds); any change
#: to the catalogue (loader, admin) changes the revision, so this only bounds memory.
CACHE_SECONDS = 600


def catalogue_revision() -> str:
    """A token that changes whenever the catalogue changes (see catalogue_changed)."""
    from django.core.cache import cache

    revision = cache.get(_REVISION_KEY)
    if revision is None:
        cache.add(_REVISION_KEY, uuid.uuid4().hex, None)
        revision = cache.get(_REVISION_KEY) or "none"
    return str(revision)


def catalogue_changed() -> None:
    """Forget every cached search, facet count and procedure page."""
    from django.core.cache import cache

    from portal.replica import pin_all_reads

    # Until the replicas have the change, pages are read (and cached) from the primary.
    pin_all_reads()
    cache.set(_REVISION_KEY, uuid.uuid4().hex, None)


def _cache_key(kind: str, *parts: Any) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"procedures:{kind}:{catalogue_revision()}:{timezone.localdate()}:{digest}"


#: A search returns at most this many procedures (nobody reads further; the page shows 20).
MAX_MATCHES = 200
_CODE = re.compile(r"[0-9]\.[0-9]{6}")


def search_ranked_ids(query: str, *, engine: str | None = None) -> list[int] | None:
    """Ids of the published procedures that match `query`, best first (at most MAX_MATCHES);
    None without a query. A procedure code finds that procedure. `engine` ("postgresql" or
    "python") forces a ranker; by default PostgreSQL ranks in SQL, SQLite in Python."""
    from django.core.cache import cache

    query = (query or "").strip()[:200]
    if not query:
        return None
    key = _cache_key("search", query, engine or connection.vendor)
    ranked = cache.get(key)
    if ranked is None:
        ranked = _search_ranked_ids(query, engine=engine)
        cache.set(key, ranked, CACHE_SECONDS)
    return list(ranked)


def _search_ranked_ids(query: str, *, engine: str | None) -> list[int]:
    published = procedures_published().order_by()
    if _CODE.fullmatch(query):
        return list(published.filter(code=query).values_list("pk", flat=True))
    parsed = parse_query(query)
    if not parsed:
        return []
    if (engine or connection.vendor) == "postgresql":
        return postgres_rank(parsed, limit=MAX_MATCHES)
    documents = [
        Document(pk=pk, name=name, text=text, title=fold(title), title_en=fold(title_en))
        for pk, name, text, title, title_en in published.values_list(
            "pk", "search_name", "search_text", "name", "name_en"
        )
    ]
    return [pk for pk, _score in python_rank(parsed, documents)[:MAX_MATCHES]]


def _with_online_level(qs: QuerySet[Procedure]) -> QuerySet[Procedure]:
    in_force = versions_in_force().filter(procedure=OuterRef("pk"))
    return qs.annotate(online_level=Subquery(in_force.values("online_level")[:1]))


def procedure_search(
    query: str = "",
    filters: CatalogueFilters | None = None,
    *,
    engine: str | None = None,
    ranked_ids: list[int] | None = None,
) -> QuerySet[Procedure]:
    """The published procedures that match `query` (typos and missing diacritics tolerated)
    and every filter, best match first; without a query, essential services first, then by
    name. Each carries `online_level`, the online level of its version in force. Used by the
    catalogue page and the API.

    `ranked_ids`: the result of :func:`search_ranked_ids` for this query when the caller has
    it already (the page shares it with the facet counts)."""
    filters = filters or CatalogueFilters()
    qs = _filtered(filters)
    if ranked_ids is None:
        ranked_ids = search_ranked_ids(query, engine=engine)
    if ranked_ids is None:
        return _with_online_level(qs.order_by("-essential_service", "name", "code"))
    if not ranked_ids:
        return qs.none()
    order = Case(
        *(When(pk=pk, then=V(position)) for position, pk in enumerate(ranked_ids)),
        output_field=IntegerField(),
    )
    return _with_online_level(qs.filter(pk__in=ranked_ids).order_by(order))


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    label: Any
    options: list[FacetOption] = field(default_factory=list)


def catalogue_facets(
    query: str, filters: CatalogueFilters, *, ranked_ids: list[int] | None = None
) -> list[Facet]:
    """Counts per option of every facet: how many results choosing the option would give,
    keeping the query and the other filters (cached per catalogue revision and language)."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    key = _cache_key("facets", (query or "").strip(), filters, get_language())
    facets = cache.get(key)
    if facets is None:
        facets = _catalogue_facets(query, filters, ranked_ids=ranked_ids)
        cache.set(key, facets, CACHE_SECONDS)
    return facets


def _catalogue_facets(
    query: str, filters: CatalogueFilters, *, ranked_ids: list[int] | None
) -> list[Facet]:
    from django.utils.translation import get_language

    english = (get_language() or "vi").startswith("en")
    text_ids = ranked_ids if ranked_ids is not None else search_ranked_ids(query)

    def _matching(filters: CatalogueFilters) -> QuerySet[Procedure]:
        qs = _filtered(filters).order_by()
        return qs if text_ids is None else qs.filter(pk__in=text_ids)

    def name(vi: str, en: str) -> str:
        return en if english and en else vi

    facets: list[Facet] = []
    in_force = versions_in_force_ids()

    # implementing level
    base = _matching(filters.without("level"))
    counts = dict(
        ImplementationLevel.objects.filter(version_id__in=in_force, version__procedure__in=base)
        .values_list("level")
        .annotate(n=Count("version__procedure", distinct=True))
    )
    facets.append(
        Facet(
            "level",
            _("Level"),
            [
                FacetOption(
                    str(level.value),
                    str(level.label),
                    counts[level.value],
                    filters.level == level.value,
                )
                for level in AgencyLevel
                if counts.get(level.value)
            ],
        )
    )

    # competent agency kind
    base = _matching(filters.without("agency"))
    counts = dict(
        ImplementationLevel.objects.filter(version_id__in=in_force, version__procedure__in=base)
        .values_list("competent_agency_kind")
        .annotate(n=Count("version__procedure", distinct=True))
    )
    facets.append(
        Facet(
            "agency",
            _("Who decides"),
            [
                FacetOption(
                    kind.value, str(kind.label), counts[kind.value], filters.agency == kind.value
                )
                for kind in AgencyKind
                if counts.get(kind.value)
            ],
        )
    )

    # managing ministry
    base = _matching(filters.without("ministry"))
    rows = (
        Agency.objects.filter(managed_procedures__in=base)
        .annotate(n=Count("managed_procedures", distinct=True))
        .order_by("name")
        .values_list("code", "name", "name_en", "n")
    )
    facets.append(
        Facet(
            "ministry",
            _("Ministry"),
            [
                FacetOption(code, name(vi, en), n, filters.ministry == code)
                for code, vi, en, n in rows
            ],
        )
    )

    # sector
    base = _matching(filters.without("sector"))
    sector_rows = (
        Sector.objects.filter(procedures__in=base)
        .annotate(n=Count("procedures", distinct=True))
        .values_list("code", "name", "name_en", "n")
    )
    options = [
        FacetOption(code, name(vi, en), n, filters.sector == code)
        for code, vi, en, n in sector_rows
    ]
    facets.append(Facet("sector", _("Sector"), sorted(options, key=lambda o: o.label)))

    # audience
    base = _matching(filters.without("audience"))
    totals = base.aggregate(
        **{
            kind.value: Count("pk", filter=Q(applicant_types__icontains=f'"{kind.value}"'))
            for kind in ApplicantType
        }
    )
    facets.append(
        Facet(
            "audience",
            _("For"),
            [
                FacetOption(
                    kind.value, str(kind.label), totals[kind.value], filters.audience == kind.value
                )
                for kind in ApplicantType
                if totals[kind.value]
            ],
        )
    )

    # life event
    base = _matching(filters.without("life_event"))
    event_rows = (
        LifeEvent.objects.filter(procedures__in=base)
        .annotate(n=Count("procedures", distinct=True))
        .order_by("order", "slug")
        .values_list("slug", "name", "name_en", "n")
    )
    facets.append(
        Facet(
            "life_event",
            _("Life event"),
            [
                FacetOption(slug, name(vi, en), n, filters.life_event == slug)
                for slug, vi, en, n in event_rows
            ],
        )
    )
    for facet in facets:
        value = getattr(filters, facet.name)
        if value not in (None, "") and not any(option.selected for option in facet.options):
            facet.options.append(FacetOption(str(value), str(value), 0, True))
    return facets


def procedures_featured() -> QuerySet[Procedure]:
    """The front page's common procedures: the most used in the last three months (counted
    each night), then the essential services, then by code."""
    return procedures_published().order_by("-recent_dossiers", "-essential_service", "code")[:12]


def procedure_detail(*, code: str) -> tuple[Procedure, ProcedureVersion | None]:
    """The published procedure and its version in force (2 queries; the parts of the version
    are fetched by :func:`procedure_version_details`, only when the page is not cached)."""
    procedure = get_object_or_404(procedures_published().select_related("ministry"), code=code)
    return procedure, procedure.version_in_force()


def procedure_version_details(version: ProcedureVersion) -> ProcedureVersion:
    """The version with everything the procedure page shows, in a few queries."""
    details = (
        ProcedureVersion.objects.filter(pk=version.pk)
        .prefetch_related(
            "levels",
            "channels__fees",
            Prefetch("cases__components"),
            "steps",
            "results",
            "legal_bases",
        )
        .get()
    )
    _label_replaceable_components(details)
    kinds = {channel.kind for channel in details.channels.all()}
    details.in_person = ChannelKind.IN_PERSON in kinds  # type: ignore[attr-defined]
    details.by_post = ChannelKind.POST in kinds  # type: ignore[attr-defined]
    return details


def procedure_page_cache_key(procedure: Procedure, version: ProcedureVersion | None) -> str:
    """Fragments of the procedure page are cached under this key, per language."""
    from django.utils.translation import get_language

    return _cache_key("page", procedure.pk, version.pk if version else None, get_language())


def _label_replaceable_components(version: ProcedureVersion) -> None:
    """Give each component that an earlier result can replace the name of that result
    (`component.replaceable_label`, in the active language)."""
    from .models import Result

    components = [
        component
        for case in version.cases.all()
        for component in case.components.all()
        if component.replaceable_by_result_code
    ]
    if not components:
        return
    names: dict[str, Result] = {}
    for result in Result.objects.filter(
        code__in={c.replaceable_by_result_code for c in components}
    ).order_by("-version__effective_from"):
        names.setdefault(result.code, result)
    for component in components:
        found = names.get(component.replaceable_by_result_code)
        component.replaceable_label = found.label if found else ""  # type: ignore[attr-defined]
