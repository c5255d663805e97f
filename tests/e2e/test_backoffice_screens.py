"""The back-office on an officer's desktop (1440 x 900) and on a phone (390 x 844): the queue
uses the desktop's width (the citizen pages keep their reading column), nothing scrolls sideways
on the phone, and the approval's preview shows the result before anything is issued.
Screenshots: var/screenshots/backoffice-*.png (PORTAL_SCREENSHOTS to put them elsewhere)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.models import Dossier
from dossiers.states.business import Status
from tests.conftest import otp_device
from tests.e2e.journeys import officer_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def site(live_server, national_settings, settings, hanoi, hoan_kiem, agency_hk, officer_hk):
    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    return {"url": live_server.url, "device": otp_device(officer_hk)}


def _page_width(page) -> tuple[int, int]:
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    return scroll, inner


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_queue_and_approval_preview_fit_the_screen(site, browser, shot, submit, citizen_a, screen):
    base = site["url"]
    now = timezone.now()
    dossiers = [submit(citizen_a) for _ in range(4)]
    for dossier, status, step, due in (
        (dossiers[0], Status.IN_PROCESSING, 3, now + dt.timedelta(days=3)),
        (dossiers[1], Status.IN_PROCESSING, 3, now - dt.timedelta(days=1)),
        (dossiers[2], Status.IN_PROCESSING, 3, now + dt.timedelta(hours=2)),
    ):
        Dossier.objects.filter(pk=dossier.pk).update(
            status=status, current_step=step, received_at=now, due_at=due
        )
    context = browser.new_context(
        viewport=SCREENS[screen], is_mobile=screen == "phone", locale="vi-VN"
    )
    page = context.new_page()
    officer_sign_in(page, base, "hk.officer", site["device"])
    page.goto(f"{base}/backoffice/")
    # a leader among the officer's roles: the queue opens on what awaits approval
    assert page.locator("a[aria-current=page]").get_attribute("href") == "?queue=approval"
    scroll, inner = _page_width(page)
    assert scroll <= inner, f"the queue scrolls sideways: {scroll} > {inner}"
    table = page.locator("table.table-queue").bounding_box()
    if screen == "desktop":
        assert table["width"] > 1300, table  # the desktop's width, not a reading column
    shot(page, f"backoffice-queue-{screen}")
    page.goto(f"{base}/backoffice/dossiers/{dossiers[0].code}/approve/")
    scroll, inner = _page_width(page)
    assert scroll <= inner, f"the preview scrolls sideways: {scroll} > {inner}"
    expect(page.locator(".result-preview")).to_be_visible()
    shot(page, f"backoffice-approval-preview-{screen}")
    page.goto(f"{base}/procedures/")
    main = page.locator("main").bounding_box()
    if screen == "desktop":
        assert main["width"] <= 960, main  # the citizen pages keep their reading column
    assert Dossier.objects.get(pk=dossiers[0].pk).status == Status.IN_PROCESSING
    context.close()
