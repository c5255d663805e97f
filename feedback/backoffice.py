"""The officers' side: unhappy ratings to respond to, the complaints queue of their agency and
the national triage of complaints. Every read of a rating or complaint is audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dossiers.backoffice import _officer_required
from dossiers.permissions import ActionNotPermitted
from portal.audit import audit_record

from . import selectors, services
from .forms import (
    ComplaintAnswerForm,
    ComplaintRejectForm,
    ComplaintRouteForm,
    PublicTextForm,
    RatingResponseForm,
    ReopenForm,
)
from .http import AuthedRequest
from .permissions import officer_may
from .states import TransitionNotAllowed

REVIEW_FILTERS = {
    "waiting": gettext_lazy("Waiting for a response"),
    "answered": gettext_lazy("Responded"),
    "all": gettext_lazy("All"),
}
COMPLAINT_QUEUE_LABELS = {
    "open": gettext_lazy("To answer"),
    "answered": gettext_lazy("Answered"),
    "rejected": gettext_lazy("Not accepted"),
}


def _errors_as_messages(request: AuthedRequest, form: Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


# --- unhappy ratings ----------------------------------------------------------------------


@_officer_required
def ratings(request: AuthedRequest) -> HttpResponse:
    show = request.GET.get("show", "waiting")
    if show not in REVIEW_FILTERS:
        show = "waiting"
    page = Paginator(selectors.ratings_for_review(user=request.user, show=show), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "feedback/backoffice/ratings.html",
        {"page": page, "show": show, "filters": REVIEW_FILTERS.items()},
    )


def _rating_page(
    request: AuthedRequest, rating, *, respond_form=None, reopen_form=None, status=200
):
    agency = rating.agency
    return render(
        request,
        "feedback/backoffice/rating.html",
        {
            "rating": rating,
            "respond_form": respond_form or RatingResponseForm(),
            "reopen_form": reopen_form or ReopenForm(),
            "may_respond": officer_may(request.user, agency, "respond_rating"),
            "may_reopen": officer_may(request.user, agency, "reopen_review"),
        },
        status=status,
    )


@_officer_required
def rating_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    rating = selectors.rating_for_officer(user=request.user, pk=pk)
    audit_record(
        actor=request.user,
        action="rating.view",
        obj=rating,
        agency_code=rating.agency.code if rating.agency else "",
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return _rating_page(request, rating)


@_officer_required
@require_POST
def rating_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    rating = selectors.rating_for_officer(user=request.user, pk=pk)
    try:
        if action == "respond":
            form = RatingResponseForm(request.POST)
            if not form.is_valid():
                return _rating_page(request, rating, respond_form=form, status=400)
            services.rating_respond(
                rating=rating, officer=request.user, response=form.cleaned_data["response"]
            )
            messages.success(request, _("Your response was sent to the applicant."))
        elif action == "reopen":
            reopen = ReopenForm(request.POST)
            if not reopen.is_valid():
                return _rating_page(request, rating, reopen_form=reopen, status=400)
            services.rating_reopen(
                rating=rating, officer=request.user, reason=reopen.cleaned_data["reason"]
            )
            messages.success(request, _("The case is reopened for review."))
        else:
            raise Http404
    except ActionNotPermitted:
        messages.error(request, _("Your role in this agency does not allow this action."))
    except services.RatingNotAllowed:
        messages.error(request, _("This action is not possible for this rating now."))
    return redirect("feedback_backoffice:rating", pk=rating.pk)


# --- complaints ---------------------------------------------------------------------------


@_officer_required
def complaints(request: AuthedRequest) -> HttpResponse:
    queue = request.GET.get("queue", "open")
    if queue not in COMPLAINT_QUEUE_LABELS:
        queue = "open"
    page = Paginator(selectors.complaints_for_officer(user=request.user, queue=queue), 50).get_page(
        request.GET.get("page")
    )
    counts = selectors.complaint_counts_for_officer(user=request.user)
    rows = [
        {"complaint": c, "deadline": state}
        for c, state in selectors.complaints_with_deadline_states(page)
    ]
    return render(
        request,
        "feedback/backoffice/complaints.html",
        {
            "page": page,
            "rows": rows,
            "queue": queue,
            "queues": [(k, label, counts[k]) for k, label in COMPLAINT_QUEUE_LABELS.items()],
            "may_triage": request.user.has_perm("feedback.triage_complaint"),
        },
    )


def _complaint_page(
    request: AuthedRequest,
    complaint,
    *,
    answer_form=None,
    reject_form=None,
    publish_form=None,
    status=200,
) -> HttpResponse:
    agency = complaint.agency
    # the officer starts from the author's text and removes what identifies anyone
    public_initial = {
        "public_title": complaint.public_title or complaint.title,
        "public_question": complaint.public_question or complaint.content,
    }
    return render(
        request,
        "feedback/backoffice/complaint.html",
        {
            "complaint": complaint,
            "deadline": selectors.complaint_deadline_state(complaint),
            "answer_form": answer_form or ComplaintAnswerForm(initial=public_initial),
            "publish_form": publish_form or PublicTextForm(initial=public_initial),
            "reject_form": reject_form or ComplaintRejectForm(),
            "may_take": officer_may(request.user, agency, "take_complaint"),
            "may_answer": officer_may(request.user, agency, "answer_complaint"),
            "may_reject": officer_may(request.user, agency, "reject_complaint")
            or (agency is None and request.user.has_perm("feedback.triage_complaint")),
            "may_publish": officer_may(request.user, agency, "publish_complaint"),
        },
        status=status,
    )


@_officer_required
def complaint_detail(request: AuthedRequest, code: str) -> HttpResponse:
    complaint = selectors.complaint_for_officer(user=request.user, code=code)
    audit_record(
        actor=request.user,
        action="complaint.view",
        obj=complaint,
        agency_code=complaint.agency.code if complaint.agency else "",
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return _complaint_page(request, complaint)


@_officer_required
@require_POST
def complaint_act(request: AuthedRequest, code: str, action: str) -> HttpResponse:
    complaint = selectors.complaint_for_officer(user=request.user, code=code)
    officer = request.user
    try:
        if action == "take":
            services.complaint_take(complaint=complaint, officer=officer)
            messages.success(request, _("You are handling this feedback."))
        elif action == "answer":
            form = ComplaintAnswerForm(request.POST)
            if not form.is_valid():
                return _complaint_page(request, complaint, answer_form=form, status=400)
            services.complaint_answer(
                complaint=complaint,
                officer=officer,
                answer=form.cleaned_data["answer"],
                publish=form.cleaned_data["publish"],
                public_title=form.cleaned_data["public_title"],
                public_question=form.cleaned_data["public_question"],
            )
            messages.success(request, _("The answer was sent to the author."))
        elif action == "reject":
            reject = ComplaintRejectForm(request.POST)
            if not reject.is_valid():
                return _complaint_page(request, complaint, reject_form=reject, status=400)
            services.complaint_reject(
                complaint=complaint, officer=officer, reason=reject.cleaned_data["reason"]
            )
            messages.success(request, _("The author was told why the feedback is not accepted."))
        elif action == "publish":
            publish = PublicTextForm(request.POST)
            if not publish.is_valid():
                return _complaint_page(request, complaint, publish_form=publish, status=400)
            services.complaint_set_public(
                complaint=complaint,
                officer=officer,
                is_public=True,
                public_title=publish.cleaned_data["public_title"],
                public_question=publish.cleaned_data["public_question"],
            )
            messages.success(request, _("The answer is published."))
        elif action == "unpublish":
            services.complaint_set_public(complaint=complaint, officer=officer, is_public=False)
            messages.success(request, _("The answer is no longer published."))
        else:
            raise Http404
    except ActionNotPermitted:
        messages.error(request, _("Your role in this agency does not allow this action."))
    except (TransitionNotAllowed, services.ComplaintNotAllowed, ValidationError):
        messages.error(request, _("This action is not possible for this feedback now."))
    return redirect("feedback_backoffice:complaint", code=complaint.code)


@login_required
def complaint_triage(request: AuthedRequest) -> HttpResponse:
    from portal.otp import is_verified, otp_step_redirect

    if not request.user.has_perm("feedback.triage_complaint"):
        raise Http404
    if not is_verified(request.user):
        return otp_step_redirect(request)
    queue = selectors.complaint_triage_queue(user=request.user)
    if request.method == "POST":
        complaint = queue.filter(code=request.POST.get("code", "")).first()
        if complaint is None:
            raise Http404
        form = ComplaintRouteForm(request.POST)
        if form.is_valid():
            agency = form.cleaned_data["agency_code"]
            services.complaint_route(complaint=complaint, actor=request.user, agency=agency)
            messages.success(request, _("Sent to %(agency)s.") % {"agency": agency.name})
        else:
            _errors_as_messages(request, form)
        return redirect("feedback_backoffice:triage")
    return render(
        request,
        "feedback/backoffice/triage.html",
        {"complaints": queue[:200], "form": ComplaintRouteForm()},
    )
