"""Citizen-facing and public dossier pages. Views stay thin: selectors read, services write."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django_ratelimit.decorators import ratelimit

from feedback.forms import RatingForm
from portal.downloads import document_download
from portal.replica import reads_may_lag
from procedures.models import Component
from procedures.selectors import catalogue_revision

from . import selectors, tracking
from .documents import receipt_pdf
from .forms import TrackingForm
from .labels import timeline_items
from .models import Dossier
from .states.business import RATEABLE, TRANSITIONS, Status

WITHDRAWABLE = [s for s, targets in TRANSITIONS.items() if Status.WITHDRAWN in targets]
#: My dossiers stays cached this long at most (it is forgotten as soon as a dossier changes).
LIST_CACHE_SECONDS = 300


def _timeline(dossier: Dossier) -> list[dict]:
    return timeline_items(selectors.timeline(dossier=dossier))


@login_required
def submitted(request, code: str):
    from django.utils import timezone

    from .services import dossier_due_at

    dossier = selectors.dossier_of_applicant(user=request.user, code=code)
    # The clock starts at reception; until then, the date the result is due if the dossier is
    # received today (working days, holidays and the lunch break counted).
    expected = dossier.due_at or dossier_due_at(dossier, timezone.now())
    return render(
        request, "dossiers/submitted.html", {"dossier": dossier, "expected_due": expected}
    )


@reads_may_lag
@login_required
def mine(request):
    dossiers = selectors.dossiers_listed_for_applicant(user=request.user)
    # The list is cached per person, language and version of their dossiers (and of the
    # catalogue, for the procedures' names): read and rendered only when one of them changed.
    catalogue = catalogue_revision()
    version = f"{selectors.dossiers_listed_version(user=request.user)}-{catalogue}"
    # The open e-form drafts are read on every visit (one query: a draft changes at each step
    # saved); their section is rendered again only when one of them changed.
    drafts = list(selectors.drafts_open_of_user(user=request.user))
    drafts_version = (
        catalogue + "|" + ",".join(f"{d.pk}:{d.updated_at.timestamp()}" for d in drafts)
    )
    return render(
        request,
        "dossiers/mine.html",
        {
            "dossiers": dossiers,
            "drafts": drafts,
            "drafts_version": drafts_version,
            "list_version": version,
            "cache_seconds": LIST_CACHE_SECONDS,
        },
    )


@login_required
def draft_delete(request, draft_id):
    """Delete one of the person's e-form drafts: GET asks to confirm (a page, no JavaScript
    needed), POST deletes. Another person's draft, or one already submitted, is a 404."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from .services import DraftNotOpen, draft_discard

    draft = selectors.draft_open_of_user(user=request.user, draft_id=draft_id)
    if request.method == "POST":
        try:
            draft_discard(user=request.user, draft_id=draft.pk)
        except DraftNotOpen:
            messages.error(request, _("This draft has already been submitted or deleted."))
        else:
            messages.success(
                request,
                _("Your draft of “%(procedure)s” has been deleted.")
                % {"procedure": draft.procedure_version.procedure.label},
            )
        return redirect("dossiers:mine")
    return render(request, "dossiers/draft_delete.html", {"draft": draft})


@login_required
def mine_detail(request, code: str):
    dossier = selectors.dossier_seen_by_applicant(user=request.user, code=code)
    rating = getattr(dossier, "rating", None)
    can_rate = dossier.status in RATEABLE and rating is None and not dossier.source_system
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "timeline": _timeline(dossier),
            "rating": rating,
            "rating_form": RatingForm() if can_rate else None,
            "withdrawable": WITHDRAWABLE,
            "open_supplement": selectors.open_supplement(dossier=dossier)
            if dossier.status == Status.SUPPLEMENT_REQUESTED
            else None,
        },
    )


@login_required
def receipt(request, code: str):
    dossier = selectors.dossier_of_applicant(user=request.user, code=code)
    return document_download(receipt_pdf(dossier), name=f"{dossier.code}-receipt.pdf")


@login_required
def result(request, code: str):
    dossier = selectors.dossier_of_applicant(user=request.user, code=code)
    if not dossier.result_file:
        raise Http404
    return document_download(dossier.result_file.open("rb"), name=f"{dossier.code}-result.pdf")


@ratelimit(
    group="public-tracking",
    key="ip",
    rate=lambda group, request: settings.PUBLIC_TRACKING_RATE,
    method="POST",
    block=True,
)
def track(request):
    """Public tracking by code and the last four digits: no personal data, no oracle."""
    form = TrackingForm(request.POST or None)
    lookup = tracking.Lookup(None)
    if request.method == "POST" and form.is_valid():
        lookup = tracking.public_lookup(
            request, code=form.cleaned_data["code"], id_last4=form.cleaned_data["id_last4"]
        )
    dossier = lookup.dossier
    response = render(
        request,
        "dossiers/track.html",
        {
            "form": form,
            "dossier": dossier,
            "timeline": _timeline(dossier) if dossier else [],
            "not_found": form.is_bound
            and form.is_valid()
            and dossier is None
            and not lookup.locked,
            "locked": lookup.locked,
        },
        status=429 if lookup.locked else 200,
    )
    if lookup.locked:
        response["Retry-After"] = str(lookup.retry_after)
    return response


def _verify_page(request, *, check=None, form=None, status: int = 200, token_unknown=False):
    from .forms import VerifyUploadForm

    return render(
        request,
        "dossiers/verify.html",
        {
            "check": check,
            "form": form or VerifyUploadForm(),
            "token_unknown": token_unknown,
        },
        status=status,
    )


@ratelimit(
    group="public-verify",
    key="ip",
    rate=lambda group, request: settings.PUBLIC_VERIFY_RATE,
    method="POST",
    block=True,
)
def verify(request, token: str | None = None):
    """Public verification: the result a QR code points to (the signature of the stored file
    is checked), or a PDF the person uploads. An unknown token is a page of its own (404)."""
    from . import verification
    from .forms import VerifyUploadForm

    if request.method == "POST":
        form = VerifyUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return _verify_page(request, form=form, status=400)
        uploaded = form.cleaned_data["document"]
        uploaded.seek(0)
        check = verification.check_upload(uploaded.read())
        return _verify_page(request, check=check)
    if token is None:
        return _verify_page(request)
    parsed = verification.parse_token(token)
    dossier = selectors.dossier_for_verification(token=parsed) if parsed else None
    if dossier is None:
        copy = selectors.certified_copy_for_verification(token=parsed) if parsed else None
        if copy is not None:
            return _verify_page(request, check=verification.check_certified_copy(copy))
        return _verify_page(request, status=404, token_unknown=True)
    return _verify_page(request, check=verification.check_result(dossier))


@login_required
def slip(request, code: str, kind: str):
    from .documents import slip_pdf

    dossier = selectors.dossier_of_applicant(user=request.user, code=code)
    content = slip_pdf(dossier, kind)
    if content is None:
        raise Http404
    return document_download(content, name=f"{dossier.code}-slip-{kind}.pdf")


@login_required
def resubmit(request, code: str):
    """The applicant sends what the agency asked for, item by item; the clock resumes.

    A file that passed its checks is kept (in the storage, named in the session) when another
    field has an error, so the page shows it as uploaded and the person does not choose it
    again."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from .forms import ResubmitForm
    from .services import NewAttachment, dossier_resubmit
    from .states.business import Status
    from .supplement_uploads import StagedUploads

    dossier = selectors.dossier_of_applicant(user=request.user, code=code)
    if dossier.status != Status.SUPPLEMENT_REQUESTED:
        return redirect("dossiers:mine_detail", code=code)
    supplement = selectors.open_supplement(dossier=dossier)
    if supplement is None:
        return redirect("dossiers:mine_detail", code=code)
    staged = StagedUploads(request.session, supplement.pk)
    form = ResubmitForm(
        request.POST or None, request.FILES or None, items=supplement.items, stored=staged.shown()
    )
    if request.method == "POST":
        valid = form.is_valid()
        staged.keep(form.valid_uploads())
        form.stored = staged.shown()
        if valid:
            case_id = dossier.case_id
            components = (
                {c.code: c for c in Component.objects.filter(case_id=case_id)}
                if case_id is not None
                else {}
            )
            attachments = [
                NewAttachment(
                    component=components.get(supplement.items[i].get("component") or ""),
                    file=file,
                    content_type=content_type,
                )
                for i, file, content_type in staged.files()
            ]
            dossier_resubmit(
                dossier=dossier,
                applicant=request.user,
                note=form.cleaned_data["note"],
                attachments=attachments,
                answers=form.answers(),
            )
            for attachment in attachments:
                attachment.file.close()
            staged.clear()
            messages.success(
                request,
                _("Thank you. The agency has your supplement and the processing time resumes."),
            )
            return redirect("dossiers:mine_detail", code=code)
    return render(
        request,
        "dossiers/resubmit.html",
        {"dossier": dossier, "form": form, "supplement": supplement},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def withdraw(request, code: str):
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from .services import dossier_withdraw
    from .states import TransitionNotAllowed

    dossier = selectors.dossier_of_applicant(user=request.user, code=code)
    if request.method == "POST":
        try:
            dossier_withdraw(
                dossier=dossier, applicant=request.user, reason=request.POST.get("reason", "")[:500]
            )
        except TransitionNotAllowed:
            messages.error(request, _("This dossier can no longer be withdrawn."))
        else:
            messages.success(request, _("Your dossier has been withdrawn."))
        return redirect("dossiers:mine_detail", code=code)
    return render(request, "dossiers/withdraw.html", {"dossier": dossier})
