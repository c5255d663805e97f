from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from dossiers.eforms import get_definition
from portal.pagecache import anonymous_page
from portal.replica import reads_may_lag

from .forms import CatalogueForm
from .selectors import (
    CACHE_SECONDS,
    catalogue_facets,
    catalogue_revision,
    procedure_detail,
    procedure_page_cache_key,
    procedure_search,
    procedure_version_details,
    procedures_featured,
    search_ranked_ids,
)

PAGE_SIZE = 20
#: The parameters the catalogue understands; an address with any other is not cached.
CATALOGUE_PARAMETERS = frozenset(CatalogueForm.base_fields) | {"page"}


def _catalogue_address(request: HttpRequest) -> bool:
    """Cache only the catalogue's own parameters, once each and of a sensible length."""
    return all(
        name in CATALOGUE_PARAMETERS and len(values) == 1 and len(values[0]) <= 200
        for name, values in request.GET.lists()
    )


#: Public pages, whole, for visitors who are not signed in: the same for all of them but for
#: the CSRF token, and forgotten on any change of the catalogue (portal/pagecache.py).
public_page = anonymous_page(version=catalogue_revision, timeout=CACHE_SECONDS)


@reads_may_lag
@public_page
def home(request: HttpRequest) -> HttpResponse:
    """The portal's front page: search and the featured procedures."""
    return render(request, "portal/home.html", {"procedures": procedures_featured()})


def _query_string(params: QueryDict, **changes: Any) -> str:
    """The current GET parameters with `changes` (None removes), always without the page."""
    updated = params.copy()
    updated.pop("page", None)
    for name, value in changes.items():
        updated.pop(name, None)
        if value not in (None, ""):
            updated[name] = str(value)
    encoded = updated.urlencode()
    return f"?{encoded}" if encoded else "?"


@reads_may_lag
@anonymous_page(version=catalogue_revision, timeout=CACHE_SECONDS, cacheable=_catalogue_address)
def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueForm(request.GET)
    query, filters = form.query_and_filters()
    ranked_ids = search_ranked_ids(query)  # once, for the results and the facet counts
    results = procedure_search(query, filters, ranked_ids=ranked_ids)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    facets = catalogue_facets(query, filters, ranked_ids=ranked_ids)
    active = []
    for facet in facets:
        facet.errors = form.errors.get(facet.name, [])  # type: ignore[attr-defined]
        choices = {
            str(value): label
            for value, label in getattr(form.fields.get(facet.name), "choices", [])
        }
        for option in facet.options:
            if option.count == 0 and option.label == option.value:
                option.label = str(choices.get(option.value, option.value))
            option.href = _query_string(request.GET, **{facet.name: option.value})  # type: ignore[attr-defined]
            if option.selected:
                active.append(
                    {
                        "facet": facet.label,
                        "label": option.label,
                        "href": _query_string(request.GET, **{facet.name: None}),
                    }
                )
    if filters.essential:
        active.append(
            {
                "facet": form.fields["essential"].label,
                "label": "",
                "href": _query_string(request.GET, essential=None),
            }
        )
    return render(
        request,
        "procedures/catalogue.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "facets": facets,
            "facets_by_name": {facet.name: facet for facet in facets},
            "active_filters": active,
            "filters_active": filters.active,
            "page_query": _query_string(request.GET),
        },
    )


@reads_may_lag
@public_page
def detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure, version = procedure_detail(code=code)
    has_eform = version is not None and get_definition(version.form_key) is not None
    # Everything but the start button (which carries the person's CSRF token) is cached per
    # catalogue revision and language; the parts of the version are read only on a miss.
    details = SimpleLazyObject(lambda: procedure_version_details(version)) if version else None
    return render(
        request,
        "procedures/detail.html",
        {
            "procedure": procedure,
            "version": version,
            "details": details,
            "has_eform": has_eform,
            "cache_key": procedure_page_cache_key(procedure, version),
            "cache_seconds": CACHE_SECONDS,
        },
    )
