"""Issue 6 in the browser: an official of a province signs in with password and code, opens
the dashboard of her province, sees which commune is late, drills down to it and to the
procedure, and opens the service index; another province stays out of reach."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.core.cache import cache
from django_otp.oath import totp
from playwright.sync_api import expect

from dashboards.models import DashboardScope, ScopeLevel
from dashboards.rollups import rollups_rebuild
from dossiers.models import Dossier
from dossiers.states.business import Status
from portal.models import User
from tests.conftest import otp_device

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def day(value: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(hour=hour, tzinfo=TZ)


@pytest.fixture
def history(live_server, hanoi, agency_hk, agency_bd, birth_version):
    """Hoàn Kiếm returns every dossier two days late; Ba Đình always on time."""
    cache.clear()
    number = 0
    for month in ("2026-01", "2026-02", "2026-03"):
        for agency, late in ((agency_hk, True), (agency_bd, False)):
            for _ in range(3):
                number += 1
                received = day(f"{month}-05")
                due = day(f"{month}-06", 17)
                returned = due + dt.timedelta(days=2 if late else -1)
                Dossier.objects.create(
                    code=f"E2E-{number:04d}",
                    procedure_version=birth_version,
                    channel=2,
                    applicant_name="Nguyễn Văn Test",
                    submitted_at=received,
                    received_at=received,
                    due_at=due,
                    processed_at=returned,
                    returned_at=returned,
                    status=Status.RETURNED,
                    competent_agency=agency,
                    receiving_agency=agency,
                )
    rollups_rebuild()
    official = User.objects.create_user(
        username="hanoi.official", password="pw-official-123", full_name="Lãnh đạo Hà Nội"
    )
    DashboardScope.objects.create(user=official, level=ScopeLevel.PROVINCE, province=hanoi)
    return {"url": live_server.url, "official": official, "device": otp_device(official)}


def test_a_province_official_drills_down_to_the_late_commune(history, desk, shot, agency_hk):
    page = desk
    base = history["url"]
    page.goto(f"{base}/backoffice/login/")
    page.locator("input[name='username']").fill("hanoi.official")
    page.locator("input[name='password']").fill("pw-official-123")
    page.locator("main form button[type='submit']").click()
    device = history["device"]
    page.locator("input[name='otp_token']").fill(f"{totp(device.bin_key):06d}")
    page.locator("main form button.button[type='submit']").click()
    page.wait_for_url(re.compile("/dashboards/"))

    # her scope is Hà Nội: the dashboard opens on the province, with its agencies
    page.goto(f"{base}/dashboards/?period=2026")
    assert "Hà Nội" in page.locator("h1").inner_text()
    shot(page, "issue6-01-province-dashboard")
    # the agencies as a ranking chart; their table (with the links down) a click away
    assert "Hoàn Kiếm" in page.locator("svg.chart", has_text="Hoàn Kiếm").first.inner_html()
    page.locator("details:has(#table-agencies) > summary").click()
    rows = page.locator("table tr", has_text="Hoàn Kiếm")
    assert rows.count() >= 1
    # the one-page summary for the meeting, in her language
    summary = page.get_by_role("link", name=re.compile("Tải bản tóm tắt"))
    pdf = page.request.get(base + str(summary.get_attribute("href")))
    assert pdf.status == 200
    assert pdf.body().startswith(b"%PDF")
    link = page.get_by_role("link", name=re.compile("Hoàn Kiếm")).first
    link.click()
    expect(page.locator("h1")).to_contain_text("Hoàn Kiếm")
    # every dossier of the late commune finished late: the on-time figure says 0%
    figures = page.locator(".dash-cards").inner_text()
    assert re.search(r"\b0(,0)?\s*%", figures), figures
    shot(page, "issue6-02-late-commune")

    # down to the procedure, then the service index of the commune
    page.get_by_role("link", name=re.compile("khai sinh|Birth registration", re.I)).first.click()
    page.wait_for_load_state("load")
    assert re.search("khai sinh|Birth registration", page.locator("main").inner_text(), re.I)
    page.go_back(wait_until="load")
    page.get_by_role("link", name=re.compile("100")).first.click()
    expect(page.locator("main")).to_contain_text("766")
    shot(page, "issue6-03-commune-index")

    # the national view is outside her scope
    response = page.goto(f"{base}/dashboards/national/")
    assert response is not None
    assert response.status == 404
