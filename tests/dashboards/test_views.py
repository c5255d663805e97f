"""Dashboard pages: scoping (national / province / ministry; outside the scope is a 404),
the second factor, the drill-down, exports of every table, the index page and the public
statistics."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from dashboards.models import IndexScore, ScopeLevel
from dashboards.rollups import rollups_rebuild
from dossiers.states.business import Status

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(make_dossier, agency_hk, agency_bd, agency_dn, ministry_unit):
    for day in ("2026-01-05", "2026-02-10", "2026-03-03"):
        make_dossier(agency_hk, submitted=at(day), channel=2)
        make_dossier(agency_bd, submitted=at(day), channel=1, status=Status.REFUSED)
        make_dossier(agency_dn, submitted=at(day), channel=2)
    make_dossier(ministry_unit, submitted=at("2026-03-04"), channel=2)
    rollups_rebuild()


@pytest.fixture
def signed_in(client, officer_login):
    def _sign_in(user):
        officer_login(client, user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _sign_in


def unit_url(kind, pk):
    return reverse("dashboards:unit", args=[kind, pk]) + "?period=2026"


def test_national_official_sees_everything_and_the_rankings(
    signed_in, national_official, history, hanoi, da_nang
):
    client = signed_in(national_official)
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 302
    response = client.get(reverse("dashboards:unit_national") + "?period=2026")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ranking of provinces" in page
    assert "Ranking of ministries" in page
    assert hanoi.name in page
    assert da_nang.name in page
    assert "Bộ Tư pháp" in page
    assert "<svg" in page
    assert 'role="img"' in page
    for kind, pk in (("province", hanoi.pk), ("province", da_nang.pk)):
        assert client.get(unit_url(kind, pk)).status_code == 200


def test_province_official_sees_own_province_and_communes_only(
    signed_in, official, history, hanoi, da_nang, agency_hk, agency_dn, ministry
):
    user = official("hanoi.official", ScopeLevel.PROVINCE, province=hanoi)
    client = signed_in(user)
    home = client.get(reverse("dashboards:home"))
    assert home.status_code == 302
    assert home["Location"].startswith(unit_url("province", hanoi.pk)[:-12])
    assert client.get(unit_url("province", hanoi.pk)).status_code == 200
    assert client.get(unit_url("agency", agency_hk.pk)).status_code == 200
    # another province, its communes, the nation and a ministry: 404
    assert client.get(unit_url("province", da_nang.pk)).status_code == 404
    assert client.get(unit_url("agency", agency_dn.pk)).status_code == 404
    assert client.get(reverse("dashboards:unit_national")).status_code == 404
    assert client.get(unit_url("ministry", ministry.pk)).status_code == 404
    assert client.get(reverse("dashboards:index", args=["province", da_nang.pk])).status_code == 404
    export = reverse("dashboards:export", args=["province", da_nang.pk, "status", "csv"])
    assert client.get(export).status_code == 404


def test_ministry_official_sees_own_agencies(
    signed_in, official, history, ministry, ministry_unit, agency_hk, hanoi
):
    client = signed_in(official("tuphap.official", ScopeLevel.MINISTRY, ministry=ministry))
    assert client.get(unit_url("ministry", ministry.pk)).status_code == 200
    assert client.get(unit_url("agency", ministry_unit.pk)).status_code == 200
    assert client.get(unit_url("agency", agency_hk.pk)).status_code == 404
    assert client.get(unit_url("province", hanoi.pk)).status_code == 404


def test_officer_without_scope_and_citizen_get_404(
    client, signed_in, officer_hk, citizen_a, history
):
    assert signed_in(officer_hk).get(reverse("dashboards:home")).status_code == 404
    client.force_login(citizen_a)
    assert client.get(reverse("dashboards:unit_national")).status_code == 404


def test_second_factor_is_required(client, national_official):
    client.force_login(national_official)
    response = client.get(reverse("dashboards:unit_national"))
    assert response.status_code == 302
    assert "/backoffice/login/" in response["Location"]


def test_drill_down_province_agency_procedure(
    signed_in, national_official, history, hanoi, agency_hk, birth_version
):
    client = signed_in(national_official)
    page = client.get(unit_url("province", hanoi.pk)).content.decode()
    assert reverse("dashboards:unit", args=["agency", agency_hk.pk]) in page
    page = client.get(unit_url("agency", agency_hk.pk)).content.decode()
    assert reverse("dashboards:public_agency", args=[agency_hk.code]) in page
    procedure = birth_version.procedure
    drill = f"{unit_url('agency', agency_hk.pk)}&procedure={procedure.pk}"
    assert f"procedure={procedure.pk}" in page
    response = client.get(drill)
    assert response.status_code == 200
    assert (
        procedure.name_en in response.content.decode()
        or procedure.name in response.content.decode()
    )


def test_every_table_exports_as_csv_and_xlsx(signed_in, national_official, history):
    client = signed_in(national_official)
    page = client.get(reverse("dashboards:unit_national") + "?period=2026")
    tables = page.context["tables"]
    assert {"kpis", "status", "channels", "months", "provinces", "ministries", "procedures"} <= set(
        tables
    )
    for key, table in tables.items():
        response = client.get(table.csv_url)
        assert response.status_code == 200, key
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == [c.title for c in table.columns]
        assert len(rows) == len(table.rows) + 1
        xlsx = client.get(table.xlsx_url)
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet.max_row == len(table.rows) + 1
    months = list(
        csv.reader(io.StringIO(client.get(tables["months"].csv_url).content.decode("utf-8-sig")))
    )
    assert [r[1] for r in months[1:4]] == ["3", "3", "4"]  # Jan, Feb, Mar 2026 (incl. the ministry)
    assert client.get(tables["status"].csv_url.replace(".csv", ".pdf")).status_code == 404


def test_index_page_stores_the_score_with_numbers_and_version(
    signed_in, national_official, history, hanoi
):
    client = signed_in(national_official)
    response = client.get(reverse("dashboards:index", args=["province", hanoi.pk]) + "?period=2026")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Processing progress" in page
    assert "no data" in page
    score = IndexScore.objects.get(unit_kind="province", unit_id=hanoi.pk, period="2026")
    assert score.detail["inputs"]["dossiers"] == 6
    assert score.detail["result"]["formula_version"] == score.formula_version
    export = client.get(
        reverse("dashboards:export", args=["province", hanoi.pk, "index", "csv"]) + "?period=2026"
    )
    assert export.status_code == 200
    assert "min(6, 6C / 0.5)" in export.content.decode("utf-8-sig")


def test_empty_period_says_no_data(signed_in, national_official, history):
    client = signed_in(national_official)
    response = client.get(reverse("dashboards:index_national") + "?period=2025-07")
    assert response.status_code == 200
    assert "No data for this period." in response.content.decode()
    assert IndexScore.objects.get(unit_kind="national", period="2025-07").total is None


def test_public_statistics_without_personal_data(client, history, agency_hk, birth_version):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(
        reverse("dashboards:public_agency", args=[agency_hk.code]) + "?period=2026"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Public statistics" in page
    assert "Nguyễn Văn Test" not in page
    response = client.get(
        reverse("dashboards:public_procedure", args=[birth_version.procedure.code])
    )
    assert response.status_code == 200
    assert client.get(reverse("dashboards:public_agency", args=["nope"])).status_code == 404


def test_procedure_page_links_to_its_statistics(client, birth_version):
    response = client.get(reverse("procedures:detail", args=[birth_version.procedure.code]))
    assert (
        reverse("dashboards:public_procedure", args=[birth_version.procedure.code])
        in response.content.decode()
    )


def test_bad_period_falls_back_to_this_year(signed_in, national_official, history):
    client = signed_in(national_official)
    response = client.get(reverse("dashboards:unit_national") + "?period=<script>")
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()
    assert response.context["period"].key.isdigit()


def test_official_signs_in_with_password_and_code_then_lands_on_the_dashboard(
    client, official, settings
):
    from django_otp.oath import totp

    from tests.conftest import otp_device

    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = official("province.official", ScopeLevel.NATIONAL)
    device = otp_device(user)
    response = client.post(
        reverse("portal:officer_login"), {"username": user.username, "password": "pw-official-123"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:officer_otp"))
    code = f"{totp(device.bin_key, step=device.step):0{device.digits}d}"
    response = client.post(reverse("portal:officer_otp"), {"otp_token": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:home")
    assert client.get(reverse("dashboards:unit_national")).status_code == 200


@pytest.mark.parametrize("procedure", ["²", "٣", "9" * 400, "-1", "0", "1.001193"])
def test_a_malformed_procedure_filter_is_a_404_not_a_500(
    signed_in, national_official, agency_hk, hanoi, procedure
):
    """Issue 15 finding 3: `?procedure=²` gave a 500 on every dashboard."""
    client = signed_in(national_official)
    for url in (
        reverse("dashboards:unit_national"),
        reverse("dashboards:unit", args=["province", hanoi.pk]),
        reverse("dashboards:unit", args=["agency", agency_hk.pk]),
    ):
        response = client.get(url, {"procedure": procedure})
        assert response.status_code == 404, (url, procedure)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", ["7,71", "12,5\u00a0%", "1.234", "3,5 giờ"]),
        ("en", ["7.71", "12.5%", "1,234", "3.5 h"]),
    ],
)
def test_table_numbers_read_in_the_readers_language(language, expected):
    """Issue 16: the index page mixed 7.71 (its tables) and 7,71 (its template)."""
    from decimal import Decimal

    from django.utils.translation import override

    from dashboards.tables import fmt

    with override(language):
        got = [
            fmt(Decimal("7.71"), "points"),
            fmt(0.125, "pct"),
            fmt(1234, "int"),
            fmt(3.5, "hours"),
        ]
    assert got == expected


def test_the_index_groups_are_numbered_once_each():
    from dashboards.index import IndexInputs, index_compute

    numbers = [g.number for g in index_compute(IndexInputs()).groups]
    assert len(numbers) == len(set(numbers)), numbers


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", ["1.234,5", "95,2\u00a0%", "1.234.567", "0,0\u00a0%", "12,35"]),
        ("en", ["1,234.5", "95.2%", "1,234,567", "0.0%", "12.35"]),
    ],
)
def test_dashboard_numbers_have_one_format_per_language(language, expected):
    """Issue 16 item 5: vi 1.234,5 and 95,2 %; en 1,234.5 and 95.2%, in the tables, the
    templates' filters and the cards alike."""
    from decimal import Decimal

    from django.utils.translation import override

    from dashboards.templatetags.dashboards_tags import num, pct, points

    with override(language):
        got = [num(1234.5, 1), pct(0.952), num(1234567), pct(0.0), points(Decimal("12.345"))]
    assert got == expected


def test_the_cards_compare_with_the_period_before_in_words(signed_in, national_official, history):
    client = signed_in(national_official)
    response = client.get(reverse("dashboards:unit_national") + "?period=2026-03")
    cards = {card.name: card for card in response.context["cards"]}
    received = cards["Dossiers received"]
    assert received.trend in {"up", "down", "same", "none"}
    page = response.content.decode()
    assert "compared with the period before (2026-02)" in page
    assert "Service index" in cards
    groups = response.context["cards"][-1].extra
    assert [label.split(". ")[0] for label, _value in groups] == ["1", "2", "3.1", "3.2", "4", "5"]


def test_the_previous_period_is_of_the_same_kind():
    from dashboards.selectors import period_parse

    assert period_parse("2026").previous().key == "2025"
    assert period_parse("2026-Q1").previous().key == "2025-Q4"
    assert period_parse("2026-Q3").previous().key == "2026-Q2"
    assert period_parse("2026-01").previous().key == "2025-12"
    assert period_parse("2026-07").previous().key == "2026-06"
    previous = period_parse("2026-03").previous()
    assert (previous.start.isoformat(), previous.end.isoformat()) == ("2026-02-01", "2026-03-01")
