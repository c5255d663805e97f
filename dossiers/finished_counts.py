"""How many finished dossiers an agency has, for the back-office queue's "Finished" tab.

The queue's other tabs hold the dossiers an agency is still working on, a number its workload
bounds; they are counted on every page from the (agency, status, due date) index. The finished
dossiers grow with every dossier the agency ever finished (millions over the years in a
province's busiest office), and counting them on every page made the page's cost grow with the
agency's history (issue 11). So they are counted once per agency and status, kept in the
cache for :data:`SECONDS`, and counted up when a dossier of the agency finishes (on the commit
of its transition, :func:`note_finished`). A count may be off by one for a moment if a
dossier finishes while it is being counted; it is counted again when the key expires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.cache import cache

SECONDS = 15 * 60


def _key(agency_id: int, status: int) -> str:
    return f"queue-finished-1:{agency_id}:{status}"


def finished_counts(
    agency_ids: Iterable[int],
    statuses: Iterable[int],
    count: Callable[[list[int]], Iterable[tuple[int, int, int]]],
) -> dict[int, int]:
    """The finished dossiers of `agency_ids`, per status of `statuses`, summed over the
    agencies; `count(agency_ids)` counts those not kept, as (agency id, status, count) rows."""
    agency_ids, statuses = sorted(set(agency_ids)), sorted(set(statuses))
    keys = {(a, s): _key(a, s) for a in agency_ids for s in statuses}
    kept = cache.get_many(list(keys.values()))
    missing = sorted({a for (a, s), key in keys.items() if key not in kept})
    if missing:
        counted = {(a, s): 0 for a in missing for s in statuses}
        for agency_id, status, n in count(missing):
            counted[(agency_id, status)] = n
        cache.set_many({keys[pair]: n for pair, n in counted.items()}, SECONDS)
        kept.update({keys[pair]: n for pair, n in counted.items()})
    return {s: sum(kept[keys[(a, s)]] for a in agency_ids) for s in statuses}


def note_finished(agency_id: int, status: int) -> None:
    """One more finished dossier of `agency_id` in `status` (a count not kept stays so: it is
    counted from the table when next asked). The expiry is set again after the increment: a
    key that expired between the cache's check and its increment would otherwise be made
    again without one, a wrong count kept for ever."""
    key = _key(agency_id, status)
    try:
        cache.incr(key)
    except ValueError:  # not kept
        return
    cache.touch(key, SECONDS)
