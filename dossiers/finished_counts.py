"""How many finished dossiers an agency has, for the back-office queue's "Finished" tab.

The queue's other tabs hold the dossiers an agency is still working on, a number its workload
bounds; they are counted on every page from the (agency, status, due date) index. The finished
dossiers grow with every dossier the agency ever finished (millions over the years in a
province's busiest office), and counting them on every page made the page's cost grow with the
agency's history (issue 11). So they are counted once per agency, status and window of
:data:`SECONDS` (the window is in the key: a busy agency's count is made again every window
whatever happens in between), on the primary, and counted up when a dossier of the agency
finishes (on the commit of its transition, :func:`note_finished`). A dossier that finishes
while its agency is being counted may be missed until the next window: the tab's number may
be off by a few for at most :data:`SECONDS`, so it only labels the tab; the tab's pages are
never counted (dossiers.backoffice.queue, portal.pagination).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from django.core.cache import cache

logger = logging.getLogger(__name__)

SECONDS = 15 * 60


def _key(agency_id: int, status: int, now: float | None = None) -> str:
    window = int((time.time() if now is None else now) // SECONDS)
    return f"queue-finished-2:{window}:{agency_id}:{status}"


def finished_counts(
    agency_ids: Iterable[int],
    statuses: Iterable[int],
    count: Callable[[list[int]], Iterable[tuple[int, int, int]]],
) -> dict[int, int]:
    """The finished dossiers of `agency_ids`, per status of `statuses`, summed over the
    agencies; `count(agency_ids)` counts those not kept, as (agency id, status, count) rows."""
    agency_ids, statuses = sorted(set(agency_ids)), sorted(set(statuses))
    now = time.time()
    keys = {(a, s): _key(a, s, now) for a in agency_ids for s in statuses}
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
    counted from the table when next asked). Never fails the transition it follows: a cache
    that does not answer leaves the count to the next window."""
    key = _key(agency_id, status)
    try:
        cache.incr(key)
    except ValueError:  # not kept
        return
    except Exception:
        logger.warning("the finished count of agency %s not counted up", agency_id, exc_info=True)
        return
    # a key that expired between the cache's check and its increment is made again by Redis
    # without an expiry: give it one (its window ends anyway)
    try:
        cache.touch(key, SECONDS)
    except Exception:
        logger.warning("the finished count of agency %s kept without expiry", agency_id)
