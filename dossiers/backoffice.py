"""The back-office of officers: agency queues, workload, counter intake, triage and the
actions on a dossier. Views stay thin: selectors read (scoped by agency), services write."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.forms import Form
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.audit import audit_record
from portal.downloads import document_download
from portal.pagination import UncountedPage, uncounted_page
from portal.replica import reads_may_lag

from . import selectors, services
from .documents import SLIP_KINDS, receipt_pdf, slip_pdf
from .eforms import dossier_summary
from .forms import (
    ApproveForm,
    AssignForm,
    CounterIntakeForm,
    ExtendForm,
    PaymentRequestForm,
    ReasonForm,
    ReturnForm,
    RevokeResultForm,
    SupplementForm,
    TransferForm,
)
from .labels import timeline_items
from .permissions import ActionNotPermitted, officer_may
from .states import TransitionNotAllowed
from .states.business import OPEN, TRANSITIONS, Status


def _errors_as_messages(request, form: Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _officer_required(view):
    """Officers of an agency (anyone else: 404) who passed the second factor (else: the code
    step, then back here)."""
    from portal.otp import is_verified, otp_step_redirect

    @login_required
    def wrapper(request, *args, **kwargs):
        if not selectors.officer_agencies(user=request.user).exists():
            raise Http404
        if not is_verified(request.user):
            return otp_step_redirect(request)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


#: key -> (label, statuses); "approval" is the dossiers in processing at their workflow's
#: last step (selectors.awaiting_approval_q), a part of "processing"
QUEUES = {
    "new": (gettext_lazy("New"), [Status.SUBMITTED, Status.TRANSFERRED]),
    "processing": (
        gettext_lazy("In processing"),
        [
            Status.RECEIVED,
            Status.IN_PROCESSING,
            Status.PAYMENT_REQUESTED,
            Status.WAITING_COORDINATION,
        ],
    ),
    "approval": (gettext_lazy("Awaiting approval"), [Status.IN_PROCESSING]),
    "supplement": (gettext_lazy("Waiting for a supplement"), [Status.SUPPLEMENT_REQUESTED]),
    "result": (gettext_lazy("Result ready"), [Status.RESULT_READY]),
    "done": (
        gettext_lazy("Finished"),
        [Status.RETURNED, Status.REFUSED, Status.STOPPED, Status.WITHDRAWN],
    ),
}
QUEUE_PAGE_SIZE = 50
#: The queue's search looks for a part of a code or a name: longer text finds nothing more
#: (and a LIKE pattern of 100,000 characters is refused by SQLite, a slow scan on PostgreSQL).
QUERY_MAX_LENGTH = 100
DEADLINE_FILTERS = {
    "late": gettext_lazy("Late"),
    "due_soon": gettext_lazy("Due within one working day"),
}


def _landing(roles: set[str], counts: dict[str, int]) -> tuple[str, bool]:
    """The tab an officer opening the queue lands on: (queue, assigned to me only). Each role
    has its own (a leader: awaiting approval; reception: new; a specialist: their dossiers in
    processing); with several roles, the first of those that holds dossiers, else the first."""
    from agencies.models import OfficerRole

    choices = [
        (role, key, mine, counts[count])
        for role, key, mine, count in (
            (OfficerRole.LEADER, "approval", False, "approval"),
            (OfficerRole.RECEPTION, "new", False, "new"),
            (OfficerRole.SPECIALIST, "processing", True, "mine"),
        )
        if role in roles
    ]
    for _role, key, mine, count in choices:
        if count:
            return key, mine
    return (choices[0][1], choices[0][2]) if choices else ("new", False)


@reads_may_lag
@_officer_required
def queue(request):
    agencies = list(selectors.officer_agencies(user=request.user))
    # "approval" is counted by the selector (its condition is not a set of statuses)
    counts = selectors.queue_counts(
        user=request.user,
        queues={
            key: [int(s) for s in statuses]
            for key, (_label, statuses) in QUEUES.items()
            if key != "approval"
        },
        agencies=agencies,
    )
    deadline = request.GET.get("deadline", "")
    if deadline not in DEADLINE_FILTERS:
        deadline = ""
    mine = request.GET.get("mine") == "1"
    queue_key = request.GET.get("queue", "")
    if queue_key not in QUEUES:
        queue_key = "new"
        if not deadline and "queue" not in request.GET:
            queue_key, mine = _landing(selectors.officer_role_names(user=request.user), counts)
    procedure_code = request.GET.get("procedure", "")
    query = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    finished = queue_key == "done" and not deadline
    dossiers = selectors.queue_for_officer(
        user=request.user,
        statuses=None if deadline else [int(s) for s in QUEUES[queue_key][1]],
        procedure_code=procedure_code,
        deadline=deadline,
        assigned_to_me=mine,
        query=query,
        awaiting_approval=queue_key == "approval" and not deadline,
        newest_first=finished,
        agencies=agencies,
    )
    # The page's 50 ids first (the dossier table alone), then those rows with their columns:
    # sorting a whole queue of joined rows to keep 50 cost more than everything else.
    ids = dossiers.values_list("pk", flat=True)
    page: Page | UncountedPage
    if finished:
        # an agency's history: pages of the newest first, never counted (the tab's label is
        # the kept count of dossiers.finished_counts; an old dossier is found by its code)
        page = uncounted_page(ids, request.GET.get("page"), QUEUE_PAGE_SIZE)
    else:
        paginator = Paginator(ids, QUEUE_PAGE_SIZE)
        if not (procedure_code or query or mine):
            # the tab's count, just counted, is the paginator's
            paginator.count = counts[deadline or queue_key]
        page = paginator.get_page(request.GET.get("page"))
    detail = reverse("backoffice:detail", args=["CODE"])
    rows = [
        (row, detail.replace("CODE", quote(row.code, safe="")))
        for row in selectors.queue_rows(dossiers, list(page.object_list))
    ]
    procedures = selectors.queue_procedures(user=request.user, agencies=agencies)
    return render(
        request,
        "backoffice/queue.html",
        {
            "agencies": agencies,
            "page": page,
            "rows": rows,
            "queues": [(key, label, counts[key]) for key, (label, _s) in QUEUES.items()],
            "deadlines": [(key, label, counts[key]) for key, label in DEADLINE_FILTERS.items()],
            "queue": queue_key,
            "deadline": deadline,
            "procedure": procedure_code,
            "procedures": procedures,
            "query": query,
            "mine": mine,
            # the pager's links name the tab and "mine" even when the roles chose them
            "mine_param": "1" if mine else None,
            "can_bulk_receive": queue_key == "new" and not deadline,
        },
    )


@_officer_required
@require_POST
def bulk_receive(request):
    codes = request.POST.getlist("codes")
    received, failed = 0, 0
    for code in codes[:200]:
        dossier = selectors.dossiers_for_officer(user=request.user).filter(code=code).first()
        if dossier is None or dossier.competent_agency is None:
            failed += 1
            continue
        try:
            services.dossier_receive(
                dossier=dossier, officer=request.user, agency=dossier.competent_agency
            )
            received += 1
        except (TransitionNotAllowed, ActionNotPermitted):
            failed += 1
    if received:
        messages.success(request, _("%(count)d dossier(s) received.") % {"count": received})
    if failed:
        messages.error(
            request, _("%(count)d dossier(s) could not be received.") % {"count": failed}
        )
    return redirect(f"{reverse('backoffice:queue')}?queue=new")


# (key, label, permission, target status or None when the action is not a status change)
ACTIONS = [
    ("receive", gettext_lazy("Receive the dossier"), "receive", Status.RECEIVED),
    ("process", gettext_lazy("Start processing"), "process", Status.IN_PROCESSING),
    ("advance_step", gettext_lazy("Send to the next step"), "advance_step", None),
    (
        "payment_confirmed",
        gettext_lazy("Obligations paid: resume processing"),
        "payment_confirmed",
        Status.IN_PROCESSING,
    ),
    # a link to the result's preview and the confirmation (approve), not a one-click action
    (
        "issue_result",
        gettext_lazy("Check the result and approve it"),
        "approve",
        Status.RESULT_READY,
    ),
]


#: the back-office's keys (static/js/backoffice-shortcuts.js; listed in the "?" help of
#: backoffice/layout.html): an action of the dossier page -> its key
SHORTCUTS = {
    "receive": "a",
    "process": "p",
    "advance_step": "n",
    "issue_result": "i",
    "request_supplement": "s",
    "return_result": "r",
}


def _allowed(dossier, officer, agency, permission: str, target) -> bool:
    if agency is None or not officer_may(officer, agency, permission):
        return False
    if dossier.status == Status.SUPPLEMENT_REQUESTED and permission in ("receive", "process"):
        return False  # the applicant's resubmission resumes it
    if target is None:
        if permission == "advance_step":
            steps = dossier.procedure_version.steps.count()
            return dossier.status == Status.IN_PROCESSING and (dossier.current_step or 1) < steps
        return dossier.status in OPEN
    if permission == "payment_confirmed" and dossier.status != Status.PAYMENT_REQUESTED:
        return False
    return target in TRANSITIONS.get(Status(dossier.status), frozenset())


@_officer_required
def detail(request, code: str):
    dossier = selectors.dossier_for_officer(user=request.user, code=code)
    agency = dossier.competent_agency
    audit_record(
        actor=request.user,
        action="dossier.view",
        obj=dossier,
        agency_code=agency.code if agency else "",
        reason="back-office processing",
    )
    timeline = timeline_items(selectors.timeline(dossier=dossier))
    allowed = TRANSITIONS.get(Status(dossier.status), frozenset())

    def may(permission: str) -> bool:
        return agency is not None and officer_may(request.user, agency, permission)

    forms: dict[str, Form] = {}
    if Status.REFUSED in allowed and may("refuse"):
        forms["refuse"] = ReasonForm()
    if Status.PAYMENT_REQUESTED in allowed and may("request_payment"):
        forms["request_payment"] = PaymentRequestForm()
    if Status.STOPPED in allowed and may("stop"):
        forms["stop"] = ReasonForm()
    if dossier.status in OPEN and dossier.due_at and may("extend"):
        forms["extend"] = ExtendForm()
    if dossier.status in OPEN and agency is not None and may("assign"):
        forms["assign"] = AssignForm(specialists=selectors.agency_specialists(agency=agency))
    if Status.RETURNED in allowed and may("return_result"):
        forms["return_result"] = ReturnForm(initial={"method": dossier.delivery_method})
    if Status.TRANSFERRED in allowed and may("transfer"):
        forms["transfer"] = TransferForm()
    slips = [kind for kind in SLIP_KINDS if _has_slip(dossier, kind)]
    return render(
        request,
        "backoffice/detail.html",
        {
            "dossier": dossier,
            "timeline": timeline,
            "actions": [
                (key, str(label), SHORTCUTS.get(key, ""))
                for key, label, permission, target in ACTIONS
                if _allowed(dossier, request.user, agency, permission, target)
            ],
            "forms": forms,
            "deadline": selectors.deadline_state(dossier),
            "attachments": dossier.attachments.select_related("component"),
            "declared": dossier_summary(dossier),
            "supplements": dossier.supplements.all(),
            "extensions": dossier.extensions.all(),
            "slips": slips,
            "steps": dossier.procedure_version.steps.all(),
            "may_revoke": bool(dossier.result_file) and may("revoke_result"),
            "can_request_supplement": Status.SUPPLEMENT_REQUESTED in allowed
            and may("request_supplement"),
        },
    )


def _has_slip(dossier, kind: str) -> bool:
    if kind == "02":
        return dossier.supplements.exists()
    if kind == "03":
        return dossier.status == Status.REFUSED
    if kind == "04":
        return dossier.extensions.exists()
    if kind == "05":
        return dossier.status == Status.STOPPED
    return False


FORM_ACTIONS: dict[str, type[Form]] = {
    "refuse": ReasonForm,
    "stop": ReasonForm,
    "request_payment": PaymentRequestForm,
    "extend": ExtendForm,
    "assign": AssignForm,
    "transfer": TransferForm,
    "return_result": ReturnForm,
}


@_officer_required
@require_POST
def act(request, code: str, action: str):
    dossier = selectors.dossier_for_officer(user=request.user, code=code)
    agency = dossier.competent_agency
    if agency is None:  # the selector only returns dossiers of the officer's agencies
        raise Http404
    officer = request.user
    simple = {key: (label, permission, target) for key, label, permission, target in ACTIONS}
    if action == "issue_result":  # issued only after the preview and a confirmation
        return redirect("backoffice:approve", code=code)
    if action == "request_supplement":  # one row per item, on its own page
        return redirect("backoffice:supplement", code=code)
    try:
        if action in simple:
            service = {
                "receive": services.dossier_receive,
                "process": services.dossier_start_processing,
                "advance_step": services.dossier_advance_step,
                "payment_confirmed": services.dossier_payment_confirmed,
            }[action]
            service(dossier=dossier, officer=officer, agency=agency)
            messages.success(request, _("Done: %(action)s.") % {"action": simple[action][0]})
        elif action in FORM_ACTIONS:
            form: Form = (
                AssignForm(request.POST, specialists=selectors.agency_specialists(agency=agency))
                if action == "assign"
                else FORM_ACTIONS[action](request.POST)
            )
            if not form.is_valid():
                _errors_as_messages(request, form)
                return redirect("backoffice:detail", code=code)
            data = form.cleaned_data
            if action == "refuse":
                services.dossier_refuse(
                    dossier=dossier, officer=officer, agency=agency, reason=data["reason"]
                )
                messages.success(
                    request, _("The dossier was refused. The applicant receives the refusal slip.")
                )
            elif action == "stop":
                services.dossier_stop(
                    dossier=dossier, officer=officer, agency=agency, reason=data["reason"]
                )
                messages.success(request, _("Processing stopped."))
            elif action == "request_payment":
                services.dossier_request_payment(
                    dossier=dossier,
                    officer=officer,
                    agency=agency,
                    amount=data["amount"],
                    description=data["description"],
                )
                messages.success(request, _("Payment of obligations requested."))
            elif action == "extend":
                services.dossier_extend(
                    dossier=dossier,
                    officer=officer,
                    agency=agency,
                    new_due_at=data["new_due_at"],
                    reason=data["reason"],
                )
                messages.success(request, _("New return date set; the apology slip is ready."))
            elif action == "assign":
                services.dossier_assign(
                    dossier=dossier, officer=officer, agency=agency, assignee=data["assignee"]
                )
                messages.success(request, _("Assigned."))
            elif action == "return_result":
                services.dossier_return_result(
                    dossier=dossier, officer=officer, agency=agency, method=data["method"]
                )
                messages.success(request, _("The result was returned."))
            elif action == "transfer":
                services.dossier_transfer(
                    dossier=dossier,
                    officer=officer,
                    agency=agency,
                    to_agency=data["agency_code"],
                    reason=data["reason"],
                )
                messages.success(
                    request, _("Transferred to %(agency)s.") % {"agency": data["agency_code"].name}
                )
                return redirect("backoffice:queue")
        else:
            raise Http404
    except TransitionNotAllowed:
        messages.error(request, _("This action is not possible in the dossier's current status."))
    except ActionNotPermitted:
        messages.error(request, _("Your role in this agency does not allow this action."))
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("backoffice:detail", code=code)


@_officer_required
def supplement(request, code: str):
    """The structured supplement request (slip 02): one row per missing or wrong item, each
    with its reason, all at once. A form error shows the page again with everything kept."""
    dossier = selectors.dossier_for_officer(user=request.user, code=code)
    agency = dossier.competent_agency
    if agency is None:  # the selector only returns dossiers of the officer's agencies
        raise Http404
    allowed = Status.SUPPLEMENT_REQUESTED in TRANSITIONS.get(Status(dossier.status), frozenset())
    if not (allowed and officer_may(request.user, agency, "request_supplement")):
        messages.error(
            request,
            _(
                "A supplement cannot be requested: the dossier's status or your role does not allow it."
            ),
        )
        return redirect("backoffice:detail", code=code)
    form = SupplementForm(
        request.POST if request.method == "POST" else None,
        components=selectors.supplement_components(dossier=dossier),
    )
    if form.is_valid():
        items = [
            services.MissingItem(name=i["name"], reason=i["reason"], component=i["component"])
            for i in form.cleaned_data["items"]
        ]
        try:
            services.dossier_request_supplement(
                dossier=dossier,
                officer=request.user,
                agency=agency,
                items=items,
                note=form.cleaned_data["note"],
            )
        except TransitionNotAllowed:
            messages.error(
                request, _("This action is not possible in the dossier's current status.")
            )
        except ActionNotPermitted:
            messages.error(request, _("Your role in this agency does not allow this action."))
        else:
            messages.success(
                request,
                _(
                    "Supplement requested. The applicant is told what is missing; the clock is paused."
                ),
            )
        return redirect("backoffice:detail", code=code)
    return render(
        request,
        "backoffice/supplement.html",
        {
            "dossier": dossier,
            "form": form,
            "attachments": dossier.attachments.select_related("component"),
        },
        status=400 if form.is_bound else 200,
    )


@_officer_required
def approve(request, code: str):
    """The result the leader is about to issue, as it will print (agency, number, holder), and
    the explicit confirmation: a POST with ``confirm`` issues it (dossier_issue_result), any
    other request only shows it."""
    from .documents import result_document, result_number_expected

    dossier = selectors.dossier_for_officer(user=request.user, code=code)
    agency = dossier.competent_agency
    if agency is None:  # the selector only returns dossiers of the officer's agencies
        raise Http404
    if not _allowed(dossier, request.user, agency, "approve", Status.RESULT_READY):
        messages.error(
            request,
            _(
                "The result cannot be approved: the dossier's status or your role does not allow it."
            ),
        )
        return redirect("backoffice:detail", code=code)
    form = ApproveForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            dossier = services.dossier_issue_result(
                dossier=dossier, officer=request.user, agency=agency
            )
        except TransitionNotAllowed:
            messages.error(
                request, _("This action is not possible in the dossier's current status.")
            )
        except ActionNotPermitted:
            messages.error(request, _("Your role in this agency does not allow this action."))
        else:
            messages.success(
                request,
                _("The result %(number)s was issued and sent to the applicant.")
                % {"number": dossier.result_number},
            )
        return redirect("backoffice:detail", code=code)
    audit_record(
        actor=request.user,
        action="dossier.view",
        obj=dossier,
        agency_code=agency.code,
        reason="result approval preview",
    )
    from portal.pdf import NATIONAL_MOTTO, NATIONAL_NAME  # ReportLab, on first use

    document = result_document(
        dossier,
        signer=request.user,
        agency=agency,
        issued_at=timezone.now(),
        number=result_number_expected(dossier, agency=agency),
    )
    return render(
        request,
        "backoffice/approve.html",
        {
            "dossier": dossier,
            "document": document,
            "form": form,
            "national_name": NATIONAL_NAME,
            "national_motto": NATIONAL_MOTTO,
        },
        status=400 if form.is_bound else 200,
    )


@_officer_required
def revoke_result(request, code: str):
    """A leader withdraws an issued result (issued in error, or replaced by a corrected
    record): the result and what will be said publicly, then the reason, the optional
    replacement and a confirmation. A refusal keeps what the leader typed (400)."""
    dossier = selectors.dossier_for_officer(user=request.user, code=code)
    agency = dossier.competent_agency
    if agency is None:  # the selector only returns dossiers of the officer's agencies
        raise Http404
    if (
        not officer_may(request.user, agency, "revoke_result")
        or not dossier.result_file
        or dossier.result_revoked_at is not None
    ):
        messages.error(
            request,
            _(
                "The result cannot be revoked: there is none, it was revoked already, or your role does not allow it."
            ),
        )
        return redirect("backoffice:detail", code=code)
    form = RevokeResultForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            dossier = services.dossier_revoke_result(
                dossier=dossier,
                officer=request.user,
                agency=agency,
                reason=form.cleaned_data["reason"],
                replacement_code=form.cleaned_data["replacement_code"],
            )
        except services.RevocationRefused as exc:
            form.add_error(exc.field or None, str(exc))
        except ActionNotPermitted:
            messages.error(request, _("Your role in this agency does not allow this action."))
            return redirect("backoffice:detail", code=code)
        else:
            messages.success(
                request,
                _(
                    "The result %(number)s was revoked. Its verification page says so; the "
                    "applicant is told."
                )
                % {"number": dossier.result_number},
            )
            return redirect("backoffice:detail", code=code)
    return render(
        request,
        "backoffice/revoke_result.html",
        {"dossier": dossier, "form": form},
        status=400 if form.is_bound else 200,
    )


@_officer_required
def slip(request, code: str, kind: str):
    dossier = selectors.dossier_for_officer(user=request.user, code=code)
    content = receipt_pdf(dossier) if kind == "01" else slip_pdf(dossier, kind)
    if content is None:
        raise Http404
    return document_download(content, name=f"{dossier.code}-slip-{kind}.pdf")


@_officer_required
def attachment(request, code: str, pk: int):
    dossier = selectors.dossier_for_officer(user=request.user, code=code)
    item = dossier.attachments.filter(pk=pk).first()
    if item is None:
        raise Http404
    audit_record(actor=request.user, action="attachment.view", obj=item, object_id=str(item.pk))
    return document_download(item.file.open("rb"), name=item.original_name)


@reads_may_lag
@_officer_required
def workload(request):
    return render(request, "backoffice/workload.html", selectors.workload(user=request.user))


@_officer_required
def counter_intake(request):
    """Register a paper dossier received at the counter (channel: in person)."""
    agencies = [
        a
        for a in selectors.officer_agencies(user=request.user)
        if officer_may(request.user, a, "counter_intake")
    ]
    if not agencies:
        raise Http404
    agency = agencies[0]
    from procedures.models import Procedure

    procedure = Procedure.objects.filter(
        code=request.GET.get("procedure") or request.POST.get("procedure") or "1.001193"
    ).first()
    version = procedure.version_in_force() if procedure else None
    if version is None:
        raise Http404
    form = CounterIntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = version.cases.first()
        component = case.components.exclude(code__startswith="TK").first() if case else None
        dossier = services.dossier_counter_intake(
            officer=request.user,
            agency=agency,
            version=version,
            case=case,
            commune=data["commune_code"],
            applicant_name=data["applicant_name"],
            applicant_personal_id=data["applicant_personal_id"],
            applicant_phone=data["applicant_phone"],
            subject_name=data["subject_name"],
            attachments=[
                services.NewAttachment(
                    component=component,
                    file=data["document"],
                    content_type=data["document"].detected_type,
                )
            ],
        )
        messages.success(
            request, _("Paper dossier registered and received: %(code)s.") % {"code": dossier.code}
        )
        if dossier.competent_agency not in agencies:
            # received here for another competent agency: it is now in that agency's queue
            return redirect("backoffice:queue")
        return redirect("backoffice:detail", code=dossier.code)
    return render(
        request, "backoffice/counter.html", {"form": form, "agency": agency, "procedure": procedure}
    )


@login_required
def triage(request):
    from portal.otp import is_verified, otp_step_redirect

    if not request.user.has_perm("dossiers.triage_dossier"):
        raise Http404
    if not is_verified(request.user):
        return otp_step_redirect(request)
    if request.method == "POST":
        dossier = (
            selectors.triage_queue(user=request.user)
            .filter(code=request.POST.get("code", ""))
            .first()
        )
        form = TransferForm(request.POST)
        if dossier is None:
            raise Http404
        if form.is_valid():
            services.dossier_transfer(
                dossier=dossier,
                officer=request.user,
                agency=None,
                to_agency=form.cleaned_data["agency_code"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("Sent to %(agency)s.") % {"agency": form.cleaned_data["agency_code"].name},
            )
        else:
            _errors_as_messages(request, form)
        return redirect("backoffice:triage")
    return render(
        request,
        "backoffice/triage.html",
        {"dossiers": selectors.triage_queue(user=request.user)[:200], "form": TransferForm()},
    )
