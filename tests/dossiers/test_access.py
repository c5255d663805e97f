"""Who may see what: citizen A vs B, commune X vs Y, in pages and in the API (another's dossier
is a 404, never a 403; the back-office API as a whole is a 403 for anyone but an officer who
passed the second factor)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dossiers.services import dossier_issue_result, dossier_receive, dossier_start_processing

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(submit, citizen_a, agency_hk, agency_bd):
    return submit(citizen_a)


@pytest.mark.parametrize(
    "name", ["dossiers:mine_detail", "dossiers:receipt", "dossiers:submitted", "dossiers:result"]
)
def test_other_citizen_gets_404(client, dossier, citizen_b, name):
    client.force_login(citizen_b)
    assert client.get(reverse(name, args=[dossier.code])).status_code == 404


def test_applicant_sees_own_dossier_and_receipt(client, dossier, citizen_a):
    client.force_login(citizen_a)
    response = client.get(reverse("dossiers:mine_detail", args=[dossier.code]))
    assert response.status_code == 200
    assert dossier.code in response.content.decode()
    receipt = client.get(reverse("dossiers:receipt", args=[dossier.code]))
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")


def test_officer_of_competent_commune_sees_it_in_queue(client, dossier, officer_hk, officer_login):
    officer_login(client, officer_hk)
    response = client.get(reverse("backoffice:queue"))
    assert dossier.code in response.content.decode()
    assert client.get(reverse("backoffice:detail", args=[dossier.code])).status_code == 200


def test_officer_of_another_commune_gets_404_in_pages_and_api(
    client, dossier, officer_bd, officer_login
):
    officer_login(client, officer_bd)
    assert dossier.code not in client.get(reverse("backoffice:queue")).content.decode()
    assert client.get(reverse("backoffice:detail", args=[dossier.code])).status_code == 404
    assert client.post(reverse("backoffice:act", args=[dossier.code, "receive"])).status_code == 404
    assert client.get(f"/api/backoffice/dossiers/{dossier.code}/").status_code == 404
    listing = client.get("/api/backoffice/dossiers/").json()
    assert listing["count"] == 0


def test_officer_api_shows_own_agency_dossier(client, dossier, officer_hk, officer_login):
    officer_login(client, officer_hk)
    response = client.get(f"/api/backoffice/dossiers/{dossier.code}/")
    assert response.status_code == 200
    assert response.json()["code"] == dossier.code


def test_citizen_is_not_an_officer(client, dossier, citizen_a):
    client.force_login(citizen_a)
    assert client.get(reverse("backoffice:queue")).status_code == 404
    # The back-office API is for verified officers only: a 403 whatever the code, so it
    # tells nothing about which dossiers exist.
    assert client.get(f"/api/backoffice/dossiers/{dossier.code}/").status_code == 403
    assert client.get("/api/backoffice/dossiers/").status_code == 403


def test_officer_actions_through_pages(client, dossier, officer_hk, officer_login):
    officer_login(client, officer_hk)
    for action in ["receive", "process"]:
        response = client.post(reverse("backoffice:act", args=[dossier.code, action]))
        assert response.status_code == 302
    response = client.post(reverse("backoffice:approve", args=[dossier.code]), {"confirm": "on"})
    assert response.status_code == 302
    client.post(reverse("backoffice:act", args=[dossier.code, "return_result"]), {"method": "post"})
    dossier.refresh_from_db()
    assert dossier.status == 10
    assert dossier.delivery_method == "post"


def test_officer_read_is_audited(client, dossier, officer_hk, officer_login):
    from portal.models import AuditEvent

    officer_login(client, officer_hk)
    client.get(reverse("backoffice:detail", args=[dossier.code]))
    assert AuditEvent.objects.filter(
        actor=officer_hk, action="dossier.view", object_id=str(dossier.pk)
    ).exists()


def test_result_download_and_public_verification(client, dossier, citizen_a, officer_hk, agency_hk):
    dossier = dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)
    dossier = dossier_start_processing(dossier=dossier, officer=officer_hk, agency=agency_hk)
    dossier = dossier_issue_result(dossier=dossier, officer=officer_hk, agency=agency_hk)
    client.force_login(citizen_a)
    result = client.get(reverse("dossiers:result", args=[dossier.code]))
    assert result.status_code == 200
    assert b"".join(result.streaming_content).startswith(b"%PDF")
    client.logout()
    page = client.get(reverse("dossiers:verify", args=[dossier.verification_token]))
    assert page.status_code == 200
    assert "Chữ ký số hợp lệ" in page.content.decode()


def test_backoffice_api_list_queries_do_not_grow_with_dossiers(
    client, submit, citizen_a, officer_hk, officer_login, django_assert_max_num_queries
):
    officer_login(client, officer_hk)
    submit(citizen_a)
    with django_assert_max_num_queries(30) as few:
        client.get("/api/backoffice/dossiers/")
    for _ in range(5):
        submit(citizen_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/backoffice/dossiers/").json()["count"] == 6


def test_backoffice_api_read_is_audited(client, dossier, officer_hk, officer_login):
    from portal.models import AuditEvent

    officer_login(client, officer_hk)
    client.get(f"/api/backoffice/dossiers/{dossier.code}/")
    assert AuditEvent.objects.filter(
        actor=officer_hk, action="dossier.view", object_id=dossier.code
    ).exists()
