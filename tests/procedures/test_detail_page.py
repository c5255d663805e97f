"""The procedure page: everything a person needs before starting, in plain language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from dossiers.eforms import get_definition
from procedures.models import Procedure


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _page(client, code: str) -> str:
    response = client.get(reverse("procedures:detail", args=[code]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_procedure_with_an_eform_has_a_start_button(real_catalogue, english):
    body = _page(english, "1.001193")
    assert f'action="{reverse("procedures:start", args=["1.001193"])}"' in body
    assert "Start online" in body
    assert "How to apply" not in body
    for heading in (
        "Who can apply",
        "Where to apply",
        "How long it takes and what it costs",
        "What you need",
        "What happens next",
        "What you get",
        "Legal basis",
    ):
        assert heading in body
    assert "Birth registration" in body  # the English name from the data
    assert "Parents must register the birth within 60 days" in body  # conditions_en
    assert "Full-process online service" in body
    assert "Having a baby" in body  # its life event, linking to the catalogue
    assert "Ministry of Justice" in body


@pytest.mark.django_db
def test_without_an_eform_the_page_says_how_to_apply_in_person_or_by_post(real_catalogue, english):
    procedure = next(
        p
        for p in Procedure.objects.all()
        if get_definition(p.version_in_force().form_key) is None
        and p.version_in_force().channels.filter(kind=3).exists()
    )
    body = _page(english, procedure.code)
    assert "Start online" not in body
    assert "How to apply" in body
    assert "Bring your documents in person, or send them by the public postal service, to:" in body


@pytest.mark.django_db
def test_a_document_an_earlier_result_replaces_says_so(real_catalogue, english):
    body = _page(english, "1.000894")  # marriage registration
    assert (
        "You do not need this if you already have “Certificate of marital status” in your "
        "electronic document store" in body
    )


@pytest.mark.django_db
def test_time_notes_legal_bases_and_agencies_are_in_english(real_catalogue, english):
    body = _page(english, "1.001193")
    for text in (
        "On the day the application is received; if it is received after 3 p.m.",  # time note
        "Law on Civil Status",
        "Decree detailing a number of articles of and measures to implement the Law on Civil",
        "National Assembly",
        "Government",
        "People&#x27;s Committee of the commune where the child was born",  # competent agency
        "The commune Public Administration Service Centre, or online",  # where to submit
    ):
        assert text in body, text
    for vietnamese in ("Luật Hộ tịch", "Quốc hội", "Chính phủ", "nhận sau 15 giờ", "Trung tâm"):
        assert vietnamese not in body, vietnamese
    body = _page(english, "1.001699")  # disability assessment: coordinating agencies
    assert "The commune council that assesses the degree of disability" in body
    assert "Hội đồng xác định" not in body


@pytest.mark.django_db
def test_without_english_the_vietnamese_text_is_marked_as_vietnamese(real_catalogue, english):
    from procedures.models import Channel, LegalBasis

    version = Procedure.objects.get(code="1.001193").version_in_force()
    LegalBasis.objects.filter(version=version).update(title_en="", issuer_en="")
    Channel.objects.filter(version=version).update(time_note_en="")
    body = _page(english, "1.001193")
    assert '<span lang="vi">Luật Hộ tịch</span>' in body
    assert '<span lang="vi">Quốc hội</span>' in body
    assert 'lang="vi">Ngay trong ngày tiếp nhận; nhận sau 15 giờ' in body


@pytest.mark.django_db
def test_the_api_gives_both_languages_of_notes_and_legal_bases(real_catalogue, client):
    version = client.get("/api/procedures/1.001193/").json()["version"]
    basis = next(b for b in version["legal_bases"] if b["number"] == "60/2014/QH13")
    assert (basis["title"], basis["title_en"]) == ("Luật Hộ tịch", "Law on Civil Status")
    assert (basis["issuer"], basis["issuer_en"]) == ("Quốc hội", "National Assembly")
    assert all(channel["time_note"] and channel["time_note_en"] for channel in version["channels"])


@pytest.mark.django_db
def test_the_page_is_in_vietnamese_by_default(real_catalogue, client):
    body = _page(client, "1.001193")
    assert "Đăng ký khai sinh" in body
    assert "Luật Hộ tịch" in body
    assert "Law on Civil Status" not in body
    assert 'lang="vi"' in body


@pytest.mark.django_db
def test_unknown_or_unpublished_procedures_are_not_found(real_catalogue, client):
    Procedure.objects.filter(code="1.001193").update(is_published=False)
    assert client.get(reverse("procedures:detail", args=["1.001193"])).status_code == 404
    assert client.get(reverse("procedures:detail", args=["9.999999"])).status_code == 404


@pytest.mark.django_db
def test_detail_page_queries_are_bounded(real_catalogue, english, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        _page(english, "2.000986")


@pytest.mark.django_db
def test_the_page_is_cached_until_the_catalogue_changes(
    real_catalogue, english, django_assert_max_num_queries
):
    from procedures.services import procedure_search_text_refresh, search_vocabulary_refresh

    assert "Parents must register the birth within 60 days" in _page(english, "1.001193")
    with django_assert_max_num_queries(3):  # the procedure and its version in force
        second = _page(english, "1.001193")
    assert "Parents must register the birth within 60 days" in second  # from the cache
    procedure = Procedure.objects.get(code="1.001193")
    version = procedure.version_in_force()
    version.conditions_en = "Register within 60 days; changed by the administrator."
    version.save()
    procedure_search_text_refresh(procedure=procedure)
    search_vocabulary_refresh()  # what every admin save and the loader do
    assert "changed by the administrator" in _page(english, "1.001193")
