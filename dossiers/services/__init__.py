"""Every use case that changes a dossier is one function here. Each owns its transaction and
its rules (who may act, what a supplement round records, how a due date moves) and applies
the change through `dossiers.transitions`, which locks the row, checks the state machines,
appends the timeline entry and the audit row and queues the side effects in the outbox.

One module per seam: `submission` (online and counter intake, routing, bundles),
`processing` (the back-office), `supplements`, `transfer` (and withdrawal), `drafts` (a person
deleting their e-form draft), and `common`.
"""

from __future__ import annotations

from .common import (
    AlreadySubmitted,
    NewAttachment,
    dossier_due_at,
    officer_role,
)
from .copies import (
    CopyNotAllowed,
    Holder,
    certified_copy_issue,
    certifying_agencies,
)
from .drafts import (
    DraftNotOpen,
    draft_discard,
)
from .processing import (
    RevocationRefused,
    dossier_advance_step,
    dossier_assign,
    dossier_extend,
    dossier_issue_result,
    dossier_payment_confirmed,
    dossier_receive,
    dossier_refuse,
    dossier_request_payment,
    dossier_return_result,
    dossier_revoke_result,
    dossier_start_processing,
    dossier_stop,
)
from .submission import (
    dossier_counter_intake,
    dossier_route,
    dossier_submit,
)
from .supplements import (
    MissingItem,
    dossier_request_supplement,
    dossier_resubmit,
)
from .transfer import (
    dossier_transfer,
    dossier_withdraw,
)

__all__ = [
    "AlreadySubmitted",
    "CopyNotAllowed",
    "DraftNotOpen",
    "Holder",
    "MissingItem",
    "NewAttachment",
    "RevocationRefused",
    "certified_copy_issue",
    "certifying_agencies",
    "dossier_advance_step",
    "dossier_assign",
    "dossier_counter_intake",
    "dossier_due_at",
    "dossier_extend",
    "dossier_issue_result",
    "dossier_payment_confirmed",
    "dossier_receive",
    "dossier_refuse",
    "dossier_request_payment",
    "dossier_request_supplement",
    "dossier_resubmit",
    "dossier_return_result",
    "dossier_revoke_result",
    "dossier_route",
    "dossier_start_processing",
    "dossier_stop",
    "dossier_submit",
    "dossier_transfer",
    "dossier_withdraw",
    "draft_discard",
    "officer_role",
]
