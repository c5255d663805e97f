"""Plain-language labels of timeline actions, for applicants and the public."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "submitted": _("Submitted online"),
    "routed": _("Sent to the competent agency"),
    "triage": _("Waiting for the competent agency to be determined"),
    "received": _("Received by the agency; the processing time starts"),
    "refused": _("Refused at reception"),
    "processing": _("In processing"),
    "result_issued": _("Result issued"),
    "returned": _("Result returned"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
