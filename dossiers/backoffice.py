"""The back-office of officers: agency queues and the actions on a dossier."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.audit import audit_record

from . import selectors, services
from .eforms import dossier_summary
from .forms import RefuseForm
from .labels import action_label
from .states import TransitionNotAllowed
from .states.business import TRANSITIONS, Status


def _officer_required(view):
    @login_required
    def wrapper(request, *args, **kwargs):
        if not selectors.officer_agencies(user=request.user).exists():
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


QUEUE_FILTERS = {
    "new": [Status.SUBMITTED, Status.TRANSFERRED],
    "processing": [
        Status.RECEIVED,
        Status.IN_PROCESSING,
        Status.SUPPLEMENT_REQUESTED,
        Status.PAYMENT_REQUESTED,
    ],
    "result": [Status.RESULT_READY],
    "done": [Status.RETURNED, Status.REFUSED, Status.STOPPED, Status.WITHDRAWN],
}


@_officer_required
def queue(request):
    agencies = selectors.officer_agencies(user=request.user)
    status_filter = request.GET.get("filter", "new")
    if status_filter not in QUEUE_FILTERS:
        status_filter = "new"
    dossiers = selectors.dossiers_for_officer(user=request.user).filter(
        status__in=QUEUE_FILTERS[status_filter]
    )
    query = request.GET.get("q", "").strip()
    if query:
        dossiers = dossiers.filter(code__icontains=query) | dossiers.filter(
            subject_name__icontains=query
        )
    page = Paginator(dossiers, 50).get_page(request.GET.get("page"))
    counts = {
        key: selectors.dossiers_for_officer(user=request.user).filter(status__in=statuses).count()
        for key, statuses in QUEUE_FILTERS.items()
    }
    return render(
        request,
        "backoffice/queue.html",
        {
            "agencies": agencies,
            "page": page,
            "filter": status_filter,
            "counts": counts,
            "query": query,
        },
    )


ACTIONS = {
    "receive": (Status.RECEIVED, services.dossier_receive, _("Receive the dossier")),
    "process": (Status.IN_PROCESSING, services.dossier_start_processing, _("Start processing")),
    "issue_result": (
        Status.RESULT_READY,
        services.dossier_issue_result,
        _("Approve and issue the electronic result"),
    ),
    "return_result": (
        Status.RETURNED,
        services.dossier_return_result,
        _("Return the result to the applicant"),
    ),
}


def _available_actions(dossier) -> list[tuple[str, str]]:
    allowed = TRANSITIONS.get(Status(dossier.status), frozenset())
    return [
        (key, str(label)) for key, (target, _service, label) in ACTIONS.items() if target in allowed
    ]


@_officer_required
def detail(request, code: str):
    dossier = selectors.dossier_for_officer(user=request.user, code=code)
    audit_record(
        actor=request.user,
        action="dossier.view",
        obj=dossier,
        agency_code=dossier.competent_agency.code if dossier.competent_agency else "",
        reason="back-office processing",
    )
    timeline = [
        {"event": e, "label": action_label(e.action)} for e in selectors.timeline(dossier=dossier)
    ]
    return render(
        request,
        "backoffice/detail.html",
        {
            "dossier": dossier,
            "timeline": timeline,
            "actions": _available_actions(dossier),
            "can_refuse": Status.REFUSED in TRANSITIONS.get(Status(dossier.status), frozenset()),
            "refuse_form": RefuseForm(),
            "attachments": dossier.attachments.select_related("component"),
            "declared": dossier_summary(dossier),
        },
    )


@_officer_required
@require_POST
def act(request, code: str, action: str):
    dossier = selectors.dossier_for_officer(user=request.user, code=code)
    agency = dossier.competent_agency
    if agency is None:  # the selector only returns dossiers of the officer's agencies
        raise Http404
    try:
        if action == "refuse":
            form = RefuseForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the reason for refusing the dossier."))
                return redirect("backoffice:detail", code=code)
            services.dossier_refuse(
                dossier=dossier,
                officer=request.user,
                agency=agency,
                reason=form.cleaned_data["reason"],
            )
        elif action in ACTIONS:
            _target, service, _label = ACTIONS[action]
            service(dossier=dossier, officer=request.user, agency=agency)
        else:
            raise Http404
    except TransitionNotAllowed:
        messages.error(request, _("This action is not possible in the dossier's current status."))
    else:
        messages.success(
            request,
            _("Done: %(action)s.")
            % {
                "action": action_label(
                    {
                        "receive": "received",
                        "process": "processing",
                        "issue_result": "result_issued",
                        "return_result": "returned",
                        "refuse": "refused",
                    }[action]
                )
            },
        )
    return redirect("backoffice:detail", code=code)


@_officer_required
def attachment(request, code: str, pk: int):
    dossier = selectors.dossier_for_officer(user=request.user, code=code)
    item = dossier.attachments.filter(pk=pk).first()
    if item is None:
        raise Http404
    audit_record(actor=request.user, action="attachment.view", obj=item, object_id=str(item.pk))
    return FileResponse(
        item.file.open("rb"), content_type=item.content_type, filename=item.original_name
    )
