"""The counter page of electronic certified copies (back-office): look the citizen up in the
national population database, upload the scan of the original, confirm the comparison, issue.
Thin: the service (dossiers.services.copies) checks who may certify, numbers, renders, signs,
stores and audits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.downloads import document_download
from prefill.services import Lookup, prefill_fetch_many

from . import selectors, services
from .backoffice import _officer_required
from .forms import OTHER_DOCUMENT, CertifiedCopyForm

PURPOSE = "certified copy from the original"


def _lookup(request, personal_id: str) -> tuple[services.Holder | None, str]:
    """The holder from the population database, or None and why (audited by prefill)."""
    lookup = Lookup("population", personal_id)
    result = prefill_fetch_many(actor=request.user, lookups=[lookup], purpose=PURPOSE)[lookup]
    if result.unavailable:
        return None, _(
            "The national population database does not answer. Try again in a few minutes."
        )
    record = result.record
    if not record:
        return None, _(
            "No citizen has this personal identification number in the national population "
            "database. Check the number on the ID card."
        )
    born = record.get("date_of_birth") or ""
    try:
        year = dt.date.fromisoformat(born).year
    except ValueError:
        year = None
    return (
        services.Holder(
            personal_id=personal_id, full_name=str(record.get("full_name", "")), birth_year=year
        ),
        "",
    )


@_officer_required
def issue(request):
    agencies = services.certifying_agencies(request.user)
    if not agencies:
        raise Http404
    agency = agencies[0]
    types = selectors.copy_document_types()
    posted = request.method == "POST"
    form = CertifiedCopyForm(
        request.POST if posted else None, request.FILES if posted else None, document_types=types
    )
    holder = None
    if posted and form.is_valid():
        data = form.cleaned_data
        holder, problem = _lookup(request, data["personal_id"])
        if holder is None:
            form.add_error("personal_id", problem)
        else:
            copy = _issue(request, form, agency=agency, holder=holder, data=data)
            if copy is not None:
                messages.success(
                    request,
                    _(
                        "Certified copy %(number)s issued to %(name)s. It is being added to "
                        "the citizen's e-document store."
                    )
                    % {"number": copy.number, "name": holder.full_name},
                )
                return redirect("backoffice:certified_copies")
    recent = selectors.certified_copies_of_agency(user=request.user, agency=agency)[:10]
    return render(
        request,
        "backoffice/certified_copy.html",
        {"form": form, "agency": agency, "recent": recent},
        status=400 if form.errors else 200,
    )


def _issue(request, form: CertifiedCopyForm, *, agency, holder, data: dict[str, Any]):
    from portal.copies import ScanError  # with ReportLab and pyHanko, on first use

    code = data["document_type"]
    result_code = "" if code == OTHER_DOCUMENT else code
    title = (data.get("document_title") or "").strip() or selectors.copy_result_name(code)
    scan = data["scan"]
    try:
        return services.certified_copy_issue(
            officer=request.user,
            agency=agency,
            holder=holder,
            document_title=title,
            result_code=result_code,
            scan=scan.content,
            content_type=scan.detected_type,
            compared=data["compared"],
        )
    except ScanError as exc:
        form.add_error("scan", str(exc.message))
    return None


@_officer_required
def download(request, token: str):
    """The PDF of a copy the officer's agency issued (audited: it holds personal data)."""
    from .verification import parse_token

    parsed = parse_token(token)
    copy = selectors.certified_copy_for_verification(token=parsed) if parsed else None
    if (
        copy is None
        or not selectors.certified_copies_of_agency(user=request.user, agency=copy.agency)
        .filter(pk=copy.pk)
        .exists()
    ):
        raise Http404
    audit_record(
        actor=request.user, action="certified_copy.view", obj=copy, agency_code=copy.agency.code
    )
    return document_download(
        copy.file.open("rb"), name=f"ban-sao-chung-thuc-{copy.number.replace('/', '-')}.pdf"
    )
