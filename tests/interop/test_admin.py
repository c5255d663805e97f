"""Administrators: the webhook secret is write-only, dead letters are requeued, API keys are
shown once."""

from __future__ import annotations

import pytest

from agencies.admin import AgencyAdminForm
from interop.models import ApiKey, Delivery
from interop.selectors import api_key_lookup
from interop.states import DeliveryState
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

SECRET = "s3cret-webhook-value-WXYZ"


@pytest.fixture
def admin_client(client, admin_user):
    """A superuser signed in with both factors when the admin asks for a second one."""
    client.force_login(admin_user)
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:
        return client
    device = TOTPDevice.objects.create(user=admin_user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _form_data(agency, **changes):
    data = {
        "code": agency.code,
        "name": agency.name,
        "name_en": "",
        "level": agency.level,
        "kind": agency.kind,
        "province": agency.province_id or "",
        "commune": agency.commune_id or "",
        "address": "",
        "email": "",
        "webhook_url": "",
        "new_webhook_secret": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def test_the_secret_is_never_shown_back_only_its_last_four(admin_client, agency_hk):
    agency_hk.is_external = True
    agency_hk.webhook_url = "https://ministry.example.vn/hook"
    agency_hk.webhook_secret = SECRET
    agency_hk.save()
    page = admin_client.get(f"/admin/agencies/agency/{agency_hk.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET not in html
    assert "…WXYZ" in html


def test_a_blank_secret_keeps_the_current_one(agency_hk):
    agency_hk.webhook_secret = SECRET
    agency_hk.save()
    form = AgencyAdminForm(
        data=_form_data(agency_hk, is_external="on", webhook_url="https://m.example.vn/h"),
        instance=agency_hk,
    )
    assert form.is_valid(), form.errors
    assert form.save().webhook_secret == SECRET
    form = AgencyAdminForm(
        data=_form_data(
            agency_hk,
            is_external="on",
            webhook_url="https://m.example.vn/h",
            new_webhook_secret="a-brand-new-secret-1234",
        ),
        instance=agency_hk,
    )
    assert form.is_valid(), form.errors
    assert form.save().webhook_secret == "a-brand-new-secret-1234"


def test_an_external_agency_needs_a_url_and_a_long_enough_secret(agency_hk):
    form = AgencyAdminForm(data=_form_data(agency_hk, is_external="on"), instance=agency_hk)
    assert not form.is_valid()
    assert set(form.errors) == {"webhook_url", "new_webhook_secret"}
    short = AgencyAdminForm(
        data=_form_data(agency_hk, new_webhook_secret="short"), instance=agency_hk
    )
    assert "new_webhook_secret" in short.errors


def test_dead_letters_are_listed_and_requeued(admin_client, admin_user, delivery):
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryState.DEAD, attempts=8)
    listing = admin_client.get("/admin/interop/delivery/?status__exact=dead")
    assert listing.status_code == 200
    assert delivery.dossier.code in listing.content.decode()
    response = admin_client.post(
        "/admin/interop/delivery/",
        {"action": "requeue", "_selected_action": [str(delivery.pk)]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryState.PENDING
    assert delivery.attempts == 0
    assert AuditEvent.objects.get(action="interop.delivery.requeue").actor == admin_user


def test_an_api_key_is_shown_once_and_stored_hashed(admin_client, agency_hk):
    response = admin_client.post(
        "/admin/interop/apikey/add/",
        {"agency": agency_hk.pk, "name": "Ministry system", "scopes": ["dossiers:read"]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    raw = response.context["raw_key"]
    assert raw.startswith(key.prefix + ".")
    assert raw in response.content.decode()
    assert raw not in key.key_hash
    assert api_key_lookup(raw_key=raw) == key
    assert key.scopes == ["dossiers:read"]
    page = admin_client.get(f"/admin/interop/apikey/{key.pk}/change/")
    assert raw not in page.content.decode()
    admin_client.post(
        "/admin/interop/apikey/", {"action": "revoke", "_selected_action": [str(key.pk)]}
    )
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_make_external_command_points_at_the_mock_ministry(agency_bd, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.NATIONAL_SERVICES_URL = "http://mocks:8001"
    out = StringIO()
    call_command(
        "interop_make_external", agency_bd.code, "--api-key", stdout=out, stderr=StringIO()
    )
    agency_bd.refresh_from_db()
    assert agency_bd.is_external
    assert agency_bd.webhook_url == "http://mocks:8001/ministry/v1/dossiers"
    assert agency_bd.webhook_secret == "demo-ministry-webhook-secret"
    assert api_key_lookup(raw_key=out.getvalue().strip()).agency == agency_bd
