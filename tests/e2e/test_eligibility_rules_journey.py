"""Issue 14: a marriage whose groom is 17 on the day of registration is stopped on the
husband's page, in the browser on a phone: the rule and its legal basis next to the date of
birth, every answer still in its box; a groom of 20 goes on. Dates are relative to today."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.eforms.rules import add_years
from procedures.models import Procedure
from procedures.services import procedures_load
from tests.e2e.journeys import continue_, fill_date, sso_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(live_server, national_settings, settings, hanoi, hoan_kiem, ba_dinh):
    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    procedures_load()
    (code,) = [
        p.code
        for p in Procedure.objects.all()
        if (v := p.version_in_force()) is not None and v.form_key == "marriage_registration"
    ]
    return {"url": live_server.url, "code": code}


def _years_ago(years: int) -> dt.date:
    return add_years(timezone.localdate(), -years)


def _fill_husband(page, born: dt.date) -> None:
    number = f"048{(born.year // 100 - 19) * 2}{born.year % 100:02d}001234"
    page.get_by_label(re.compile("^(Họ, chữ đệm và tên|Full name)$")).fill("Hoàng Văn Nam")
    page.get_by_label(re.compile("^(Số định danh cá nhân|Personal identification number)$")).fill(
        number
    )
    fill_date(page, "Ngày sinh|Date of birth", born.isoformat())
    page.get_by_label(re.compile("^(Dân tộc|Ethnicity)$")).fill("Kinh")
    page.get_by_label(re.compile("^(Quốc tịch|Nationality)$")).fill("Việt Nam")
    page.get_by_label(re.compile("^(Nơi cư trú|Place of residence)$")).fill(
        "Phường Hải Châu, Thành phố Đà Nẵng"
    )
    page.get_by_label(re.compile("^(Chưa kết hôn|Never married)$")).check()


def test_a_groom_of_17_is_stopped_with_the_law_named_and_his_answers_kept(portal, phone, shot):
    page = phone
    page.goto(f"{portal['url']}/procedures/{portal['code']}/")
    page.get_by_role("button", name=re.compile("Bắt đầu trực tuyến|Start online")).click()
    sso_sign_in(page, "Phạm Thị Mai")
    page.get_by_label(re.compile("^(Cả hai đã đủ tuổi|Yes, both of us)$")).check()
    page.get_by_label(re.compile("tự nguyện kết hôn|choose to marry freely")).check()
    continue_(page)

    born = _years_ago(17)
    _fill_husband(page, born)
    continue_(page)
    error = page.get_by_text(
        re.compile(
            "Người chồng phải từ đủ 20 tuổi trở lên vào ngày đăng ký kết hôn "
            r"\(Luật Hôn nhân và gia đình 2014, điều 8\)"
            "|The husband must be 20 or older on the day of the marriage registration "
            r"\(Law on Marriage and Family 2014, article 8\)"
        )
    ).first
    expect(error).to_be_visible()
    shot(page, "rules-01-groom-under-20-phone")
    group = page.get_by_role("group", name=re.compile("Ngày sinh|Date of birth")).first
    typed = [
        group.get_by_label(re.compile(f"^({label})$")).input_value()
        for label in ("Ngày|Day", "Tháng|Month", "Năm|Year")
    ]
    assert typed == [str(born.day), str(born.month), str(born.year)]
    assert page.get_by_label(re.compile("^(Họ, chữ đệm và tên|Full name)$")).input_value() == (
        "Hoàng Văn Nam"
    )

    # corrected: a groom who turns 20 today goes on to the wife's page
    fill_date(page, "Ngày sinh|Date of birth", _years_ago(20).isoformat())
    page.get_by_label(re.compile("^(Số định danh cá nhân|Personal identification number)$")).fill(
        f"048{(_years_ago(20).year // 100 - 19) * 2}{_years_ago(20).year % 100:02d}001234"
    )
    continue_(page)
    expect(page.get_by_text(re.compile("Phạm Thị Mai")).first).to_be_visible()
    shot(page, "rules-02-wife-page")
