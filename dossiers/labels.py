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
    "result_revoked": _("Result revoked by the issuing agency"),
    "returned": _("Result returned"),
    "supplement_requested": _("Supplement requested; the processing time is paused"),
    "resubmitted": _("Supplement received; the processing time resumes"),
    "assigned": _("Assigned to a specialist"),
    "step": _("Moved to the next processing step"),
    "payment_requested": _("Payment of financial obligations requested"),
    "payment_confirmed": _("Financial obligations paid"),
    "extended": _("Apology and new return date"),
    "stopped": _("Processing stopped"),
    "transferred": _("Transferred to another agency"),
    "withdrawn": _("Withdrawn by the applicant"),
    "counter_submitted": _("Submitted in person at the counter"),
    "fanned_out": _("Sent to each agency of the linked procedures"),
    "bundle_progress": _("All linked parts reached this step"),
    "rating_response": _("The agency responded to the applicant's rating"),
    "review_reopened": _("Reopened for review after the applicant's rating"),
    "fee_paid": _("Paid online"),
    "synced_step": _("Moved to the next processing step"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def timeline_items(events) -> list[dict]:
    """The entries of a timeline as the pages show them, in the active language: the event,
    its label, its note and, for a note a person wrote, the language it is shown in (written
    in the portal's language: marked so, on a page in another language)."""
    from django.conf import settings

    from .notes import event_note

    return [
        {
            "event": event,
            "label": event_label(event),
            "note": event_note(event),
            "note_lang": "" if event.note_key else settings.LANGUAGE_CODE,
        }
        for event in events
    ]


def event_label(event) -> str:
    """The label of a timeline entry: a step synchronised from an agency's own system says
    the status it reached (or, when it kept the status, that the dossier moved on)."""
    if event.action == "synced_step" and event.to_status and event.to_status != event.from_status:
        from .states.business import Status

        return str(Status(event.to_status).label)
    return action_label(event.action)
