"""Pages of applicants and the public: rating a dossier, filing and following feedback, and the
public list of published answers. Thin: selectors read, services write."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from agencies.models import Agency
from dossiers import selectors as dossier_selectors
from dossiers.views import WITHDRAWABLE, _timeline
from portal.numbers import parse_id

from . import selectors
from .forms import AnswerRatingForm, ComplaintForm, PublicSearchForm, RatingForm
from .http import AuthedRequest
from .models import ComplaintStatus
from .services import (
    ComplaintNotAllowed,
    RatingNotAllowed,
    answer_working_days,
    complaint_rate_answer,
    complaint_submit,
    rating_create,
)


@login_required
@require_POST
def rate(request: AuthedRequest, code: str) -> HttpResponse:
    dossier = dossier_selectors.dossier_of_applicant(user=request.user, code=code)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rating_create(
                dossier=dossier,
                user=request.user,
                level=form.cleaned_data["level"],
                comment=form.cleaned_data["comment"],
                criteria=form.criteria(),
            )
        except (RatingNotAllowed, ValidationError):
            messages.error(request, _("This dossier cannot be rated now."))
        else:
            if form.cleaned_data["level"] == 0:
                messages.success(
                    request,
                    _(
                        "Thank you. We are sorry the service did not satisfy you: the agency "
                        "will respond to you here and by notification."
                    ),
                )
            else:
                messages.success(request, _("Thank you. Your rating helps improve the service."))
        return redirect("dossiers:mine_detail", code=dossier.code)
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "timeline": _timeline(dossier),
            "rating": None,
            "rating_form": form,
            "withdrawable": WITHDRAWABLE,
        },
        status=400,
    )


# --- complaints of the signed-in person ---------------------------------------------------


@login_required
def complaints_mine(request: AuthedRequest) -> HttpResponse:
    complaints = selectors.complaints_of_author(user=request.user)[:200]
    return render(request, "feedback/mine.html", {"complaints": complaints})


def _dossier_choices(request: AuthedRequest) -> list[tuple[str, str]]:
    dossiers = dossier_selectors.dossiers_of_applicant(user=request.user)[:50]
    return [(d.code, f"{d.code} · {d.procedure_version.procedure.label}") for d in dossiers]


@login_required
@ratelimit(
    group="complaint-new",
    key="user",
    rate=lambda group, request: settings.PORTAL_COMPLAINT_RATE,
    method="POST",
    block=True,
)
def complaint_new(request: AuthedRequest) -> HttpResponse:
    dossier_choices = _dossier_choices(request)
    data = request.POST if request.method == "POST" else None
    searching = data is not None and "search" in data
    query = (data or request.GET).get("agency_query", "").strip()[:100]
    found = selectors.agencies_matching(query=query) if query else []
    # an agency chosen earlier stays a choice even when the search changes
    chosen = data.get("agency", "") if data is not None else ""
    chosen_pk = parse_id(chosen)
    if chosen_pk is not None and all(a.pk != chosen_pk for a in found):
        previous = Agency.objects.filter(pk=chosen_pk).first()
        if previous is not None:
            found.insert(0, previous)
    agency_choices = [(a.pk, a.name) for a in found]
    if data is not None and searching:
        # re-show the form with everything typed kept and the agencies found
        form = ComplaintForm(
            initial={**data.dict(), "agency": chosen},
            dossier_choices=dossier_choices,
            agency_choices=agency_choices,
        )
    else:
        form = ComplaintForm(
            data,
            initial={"dossier": request.GET.get("dossier", "")},
            dossier_choices=dossier_choices,
            agency_choices=agency_choices,
        )
    if data is not None and not searching and form.is_valid():
        dossier = None
        if form.cleaned_data["dossier"]:
            dossier = dossier_selectors.dossier_of_applicant(
                user=request.user, code=form.cleaned_data["dossier"]
            )
        agency = None
        if form.cleaned_data["agency"]:
            agency = Agency.objects.filter(pk=form.cleaned_data["agency"]).first()
        try:
            complaint = complaint_submit(
                author=request.user,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                content=form.cleaned_data["content"],
                agency=agency,
                dossier=dossier,
            )
        except (ValidationError, ComplaintNotAllowed) as exc:
            form.add_error(None, "; ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request,
                _("Your feedback was sent. Its code is %(code)s.") % {"code": complaint.code},
            )
            return redirect("feedback:complaint", code=complaint.code)
    return render(
        request,
        "feedback/complaint_form.html",
        {
            "form": form,
            "searched": bool(query),
            "found": found,
            "answer_days": f"{answer_working_days():g}",
        },
        status=400 if data is not None and not searching and form.errors else 200,
    )


@login_required
def complaint_detail(request: AuthedRequest, code: str) -> HttpResponse:
    complaint = selectors.complaint_of_author(user=request.user, code=code)
    can_rate = complaint.status == ComplaintStatus.ANSWERED and complaint.author_satisfied is None
    return render(
        request,
        "feedback/complaint_detail.html",
        {"complaint": complaint, "rate_form": AnswerRatingForm() if can_rate else None},
    )


@login_required
@require_POST
def complaint_rate(request: AuthedRequest, code: str) -> HttpResponse:
    complaint = selectors.complaint_of_author(user=request.user, code=code)
    form = AnswerRatingForm(request.POST)
    if form.is_valid():
        try:
            complaint_rate_answer(
                complaint=complaint, author=request.user, satisfied=form.cleaned_data["satisfied"]
            )
        except ComplaintNotAllowed:
            messages.error(request, _("This answer cannot be rated now."))
        else:
            messages.success(request, _("Thank you for rating the answer."))
        return redirect("feedback:complaint", code=complaint.code)
    return render(
        request,
        "feedback/complaint_detail.html",
        {"complaint": complaint, "rate_form": form},
        status=400,
    )


# --- the public ---------------------------------------------------------------------------


def answers(request: HttpRequest) -> HttpResponse:
    agencies, procedures = selectors.public_answer_filters()
    form = PublicSearchForm(
        request.GET or None,
        agency_choices=[(a.pk, a.name) for a in agencies],
        procedure_choices=[(p.code, f"{p.code} {p.label}") for p in procedures],
    )
    query, agency_id, procedure_code = "", None, ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        agency_id = form.cleaned_data["agency"]
        procedure_code = form.cleaned_data["procedure"]
    results = selectors.public_answers(
        query=query, agency_id=agency_id, procedure_code=procedure_code
    )
    page = Paginator(results, 20).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "feedback/answers.html",
        {"form": form, "page": page, "query": query, "params": params.urlencode()},
    )


def answer_detail(request: HttpRequest, code: str) -> HttpResponse:
    return render(
        request, "feedback/answer_detail.html", {"answer": selectors.public_answer(code=code)}
    )
