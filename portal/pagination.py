"""Pages of a list that is never counted.

Django's :class:`~django.core.paginator.Paginator` counts the whole list to number its pages.
For a list that grows with an office's history (the back-office's finished dossiers: millions
over the years), that count is most of the page's cost, and nobody reads page 20,000 of it: an
officer looking for an old dossier searches for its code. :func:`uncounted_page` reads one row
more than the page shows, so it knows whether there is a next page without counting; the
template shows "Previous", the page's number and "Next", not "page N of M".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: the furthest page served (a page number is a parameter anyone may type: an OFFSET of
#: millions rows would read them all to skip them)
MAX_PAGE = 2_000


@dataclass(frozen=True, slots=True)
class UncountedPage:
    """The attributes of Django's ``Page`` that a pager of "Previous / N / Next" reads."""

    object_list: list[Any]
    number: int
    #: there are more items after this page's, and a page to show them (:data:`MAX_PAGE`)
    has_next: bool
    #: there are more items after this page's, past the last page served
    beyond_last: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    #: no total (Django's ``Page.paginator`` counts): the template shows "Page N" without it
    paginator = None


def page_number(value: str | None) -> int:
    """The page asked for: 1 for anything that is not a page number, at most :data:`MAX_PAGE`."""
    try:
        number = int(value or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def uncounted_page(items, number: str | None, per_page: int) -> UncountedPage:
    """Page `number` (a request's parameter, checked) of the ordered queryset or list `items`,
    `per_page` items a page, read with one item more and no count."""
    page = page_number(number)
    start = (page - 1) * per_page
    found = list(items[start : start + per_page + 1])
    more = len(found) > per_page
    return UncountedPage(
        object_list=found[:per_page],
        number=page,
        has_next=more and page < MAX_PAGE,
        beyond_last=more and page == MAX_PAGE,
    )
