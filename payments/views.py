"""Pay now, the page the payer returns to, the platform's callback, the receipt and the
officer's callback log. Views stay thin: selectors read, services write."""

from __future__ import annotations

import json
import logging
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import get_usage

from dossiers import selectors as dossier_selectors
from dossiers.backoffice import _officer_required
from portal.audit import audit_record
from portal.downloads import document_download
from portal.models import User
from portal.otp import client_ip

from . import selectors, services, signing
from .client import PlatformRefused, PlatformUnavailable
from .states import PaymentState

logger = logging.getLogger(__name__)
TOO_MANY_UNSIGNED = services.CallbackAnswer(429, "98", "too many unsigned callbacks", signed=False)


def _callback_address(group: str, request: HttpRequest) -> str:
    return client_ip(request) or ""


def _user(request: HttpRequest) -> User:
    """The signed-in user (the views are behind login_required)."""
    return cast(User, request.user)


@login_required
@require_POST
def pay(request: HttpRequest, code: str) -> HttpResponse:
    """Pay now: start (or resume) the payment, then off to the platform's page."""
    dossier = dossier_selectors.dossier_of_applicant(user=_user(request), code=code)
    try:
        payment = services.payment_start(
            dossier=dossier,
            payer=_user(request),
            client_ip=client_ip(request) or "",
            language=get_language() or "vi",
        )
    except services.PaymentInProgress:
        messages.info(
            request, _("Your payment is being prepared. Please wait a moment and try again.")
        )
        return redirect("dossiers:mine_detail", code=code)
    except services.NothingToPay:
        messages.info(request, _("There is nothing to pay for this dossier."))
        return redirect("dossiers:mine_detail", code=code)
    except (PlatformUnavailable, PlatformRefused):
        messages.error(
            request,
            _(
                "The payment service cannot be reached right now. Nothing was charged. "
                "Please try again in a few minutes."
            ),
        )
        return redirect("dossiers:mine_detail", code=code)
    return redirect(payment.payment_url)


@login_required
@require_GET
def payment_return(request: HttpRequest) -> HttpResponse:
    """Where the platform sends the payer back. The callback settles the payment; if it has
    not arrived yet and the return is correctly signed, ask the platform (QUERY) now."""
    reference = request.GET.get("reference", "")
    payment = selectors.payment_of_applicant(user=_user(request), reference=reference)
    params = {key: request.GET.get(key, "") for key in (*signing.RETURN_FIELDS, "secure_hash")}
    if payment.state == PaymentState.PENDING and signing.verify(
        params, signing.RETURN_FIELDS, settings.PAYMENT_SECRET
    ):
        payment = services.payment_query(payment=payment, source="return")
    return render(
        request,
        "payments/return.html",
        {"payment": payment, "dossier": payment.dossier, "states": PaymentState},
    )


@csrf_exempt
@require_POST
def callback(request: HttpRequest) -> JsonResponse:
    """The platform's server-to-server callback (IPN): signed, not a browser.

    An address whose unsigned posts were refused PAYMENT_CALLBACK_UNSIGNED_RATE times is
    answered 429 without reading or storing what it sends; signed callbacks never count."""
    remote_addr = client_ip(request)
    usage = get_usage(
        request,
        group="payment-callback-unsigned",
        key=_callback_address,
        rate=settings.PAYMENT_CALLBACK_UNSIGNED_RATE,
    )
    if usage is not None and usage["count"] >= usage["limit"]:
        logger.warning("payment callback from %s throttled: too many unsigned posts", remote_addr)
        response = JsonResponse(TOO_MANY_UNSIGNED.body, status=TOO_MANY_UNSIGNED.status)
        response["Retry-After"] = str(max(1, usage["time_left"]))
        response["Cache-Control"] = "no-store"
        return response
    answer = services.payment_callback(body=request.body, remote_addr=remote_addr)
    if not answer.signed:
        get_usage(
            request,
            group="payment-callback-unsigned",
            key=_callback_address,
            rate=settings.PAYMENT_CALLBACK_UNSIGNED_RATE,
            increment=True,
        )
    response = JsonResponse(answer.body, status=answer.status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def receipt(request: HttpRequest, code: str, reference: str) -> HttpResponseBase:
    dossier = dossier_selectors.dossier_of_applicant(user=_user(request), code=code)
    payment = selectors.payments_of_dossier(dossier=dossier).filter(reference=reference).first()
    if payment is None or payment.state != PaymentState.PAID:
        raise Http404
    from .documents import payment_receipt_pdf  # ReportLab, on first use

    return document_download(payment_receipt_pdf(payment), name=f"{payment.reference}-receipt.pdf")


@_officer_required
def backoffice_payments(request: HttpRequest, code: str) -> HttpResponse:
    """The officer's view of a dossier's payments and every callback received for them."""
    dossier = dossier_selectors.dossier_for_officer(user=_user(request), code=code)
    agency = dossier.competent_agency
    audit_record(
        actor=_user(request),
        action="payment.view_log",
        obj=dossier,
        agency_code=agency.code if agency else "",
        reason="back-office payment check",
    )
    callbacks = list(selectors.callback_log_of_dossier(dossier=dossier)[:200])
    for entry in callbacks:
        try:
            entry.pretty_body = json.dumps(json.loads(entry.body), ensure_ascii=False, indent=1)  # type: ignore[attr-defined]
        except ValueError:
            entry.pretty_body = entry.body  # type: ignore[attr-defined]
    return render(
        request,
        "payments/backoffice_log.html",
        {
            "dossier": dossier,
            "payments": selectors.payments_of_dossier(dossier=dossier).prefetch_related("events"),
            "callbacks": callbacks,
        },
    )
