"""The business status of a dossier, as synchronised nationally (codes 1-10), plus local ones."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import check


class Status(models.IntegerChoices):
    DRAFT = 0, _("Draft")
    SUBMITTED = 1, _("Submitted online, not yet received")
    RECEIVED = 2, _("Received")
    REFUSED = 3, _("Refused at reception")
    IN_PROCESSING = 4, _("In processing")
    SUPPLEMENT_REQUESTED = 5, _("Supplement requested")
    PAYMENT_REQUESTED = 6, _("Payment of financial obligations requested")
    WITHDRAWN = 7, _("Withdrawn by the applicant")
    STOPPED = 8, _("Processing stopped")
    RESULT_READY = 9, _("Processed, result ready")
    RETURNED = 10, _("Result returned")
    TRANSFERRED = 11, _("Transferred to another agency")
    WAITING_COORDINATION = 12, _("Waiting for a coordinating agency")


S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.RECEIVED, S.REFUSED, S.WITHDRAWN, S.TRANSFERRED}),
    S.TRANSFERRED: frozenset({S.RECEIVED, S.REFUSED}),
    S.RECEIVED: frozenset(
        {S.IN_PROCESSING, S.SUPPLEMENT_REQUESTED, S.STOPPED, S.WITHDRAWN, S.TRANSFERRED}
    ),
    S.IN_PROCESSING: frozenset(
        {
            S.SUPPLEMENT_REQUESTED,
            S.PAYMENT_REQUESTED,
            S.WAITING_COORDINATION,
            S.RESULT_READY,
            S.STOPPED,
            S.WITHDRAWN,
            S.TRANSFERRED,
        }
    ),
    S.SUPPLEMENT_REQUESTED: frozenset({S.RECEIVED, S.IN_PROCESSING, S.WITHDRAWN, S.STOPPED}),
    S.PAYMENT_REQUESTED: frozenset({S.IN_PROCESSING, S.WITHDRAWN, S.STOPPED}),
    S.WAITING_COORDINATION: frozenset({S.IN_PROCESSING, S.STOPPED}),
    S.RESULT_READY: frozenset({S.RETURNED}),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.STOPPED: frozenset(),
    S.RETURNED: frozenset(),
}

#: statuses in which the processing clock runs
CLOCK_RUNNING = frozenset(
    {S.RECEIVED, S.IN_PROCESSING, S.WAITING_COORDINATION, S.PAYMENT_REQUESTED}
)
#: statuses in which the dossier waits for the agency (queues, due-soon and overdue alerts)
OPEN = frozenset(
    {
        S.SUBMITTED,
        S.TRANSFERRED,
        S.RECEIVED,
        S.IN_PROCESSING,
        S.SUPPLEMENT_REQUESTED,
        S.PAYMENT_REQUESTED,
        S.WAITING_COORDINATION,
    }
)
#: statuses after which nothing more happens
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
#: statuses after which the applicant may rate the handling
RATEABLE = frozenset({S.RESULT_READY, S.RETURNED, S.REFUSED, S.STOPPED})


def check_transition(source: int, target: int) -> None:
    check("business status", TRANSITIONS, Status(source), Status(target))
