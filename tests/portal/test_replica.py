"""The replica router's decisions (portal/replica.py), on the test settings' `replica` alias:
a TEST MIRROR of the test database (a second connection to it), switched on per test with
REPLICA_DATABASE. The real streaming replica is in tests/integration/test_replica.py."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from dossiers.models import Dossier
from portal import replica
from portal.models import User
from portal.replica import PIN_COOKIE, ReplicaPinningMiddleware, ReplicaRouter, reads_may_lag
from tests.factories import DossierFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

router = ReplicaRouter()


@pytest.fixture
def with_replica(settings):
    settings.REPLICA_DATABASE = "replica"
    settings.REPLICA_PIN_SECONDS = 15
    settings.REPLICA_RETRY_SECONDS = 30
    replica._down_until.clear()
    replica.pin_all_reads(seconds=-1)  # no catalogue change of an earlier test pins this one
    yield "replica"
    replica._down_until.clear()
    connections["replica"].close()


def decisions(request: HttpRequest, view) -> tuple[HttpResponse, list[str]]:
    """Run `view` behind the pinning middleware; the aliases the router chose for its reads."""
    chosen: list[str] = []

    def recording_view(request):
        chosen.append(router.db_for_read(Dossier))
        return view(request)

    return ReplicaPinningMiddleware(reads_may_lag(recording_view))(request), chosen


def ok(request):
    return HttpResponse("ok")


def test_without_a_replica_everything_reads_the_primary_and_no_cookie_is_set(settings):
    settings.REPLICA_DATABASE = None
    response, chosen = decisions(RequestFactory().get("/procedures/"), ok)
    assert chosen == ["default"]
    response, chosen = decisions(RequestFactory().post("/dossiers/X/withdraw/"), ok)
    assert chosen == ["default"]
    assert PIN_COOKIE not in response.cookies


def test_only_lag_tolerant_reads_go_to_the_replica(with_replica):
    assert router.db_for_read(Dossier) == "default"  # not in a view marked reads_may_lag
    _, chosen = decisions(RequestFactory().get("/procedures/"), ok)
    assert chosen == ["replica"]


def test_accounts_sessions_and_reads_in_a_transaction_stay_on_the_primary(with_replica):
    seen = []

    def view(request):
        seen.append(router.db_for_read(User))
        seen.append(router.db_for_read(Agency))
        with transaction.atomic():
            seen.append(router.db_for_read(Agency))
        return HttpResponse()

    decisions(RequestFactory().get("/dashboards/"), view)
    assert seen == ["default", "replica", "default"]


def test_writes_and_migrations_never_go_to_the_replica(with_replica):
    assert router.db_for_write(Dossier) == "default"
    assert router.allow_migrate("replica", "dossiers", "dossier") is False
    assert router.allow_migrate("default", "dossiers", "dossier") is True


def test_a_write_pins_that_browser_to_the_primary_for_the_pin_seconds(with_replica):
    response, chosen = decisions(RequestFactory().post("/dossiers/X/withdraw/"), ok)
    assert chosen == ["default"]
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 15
    assert cookie["httponly"]

    pinned = RequestFactory().get("/dossiers/")
    pinned.COOKIES[PIN_COOKIE] = "1"
    _, chosen = decisions(pinned, ok)
    assert chosen == ["default"]
    _, chosen = decisions(RequestFactory().get("/dossiers/"), ok)  # the cookie expired
    assert chosen == ["replica"]


def test_a_get_that_writes_also_pins(with_replica):
    def writes(request):
        router.db_for_write(Dossier)
        return HttpResponse()

    response, _ = decisions(RequestFactory().get("/dashboards/national/index/"), writes)
    assert PIN_COOKIE in response.cookies


def test_a_catalogue_change_pins_everyones_reads_for_a_while(with_replica, settings):
    from procedures.selectors import catalogue_changed

    catalogue_changed()
    _, chosen = decisions(RequestFactory().get("/procedures/"), ok)
    assert chosen == ["default"]
    replica.pin_all_reads(seconds=-1)  # the pin is over
    _, chosen = decisions(RequestFactory().get("/procedures/"), ok)
    assert chosen == ["replica"]


@pytest.fixture
def replica_unreachable(with_replica):
    """The replica's connection opens a file in a folder that does not exist (SQLite's
    'unable to open database file', as a refused connection is for PostgreSQL)."""
    settings_dict = connections["replica"].settings_dict
    saved = settings_dict["NAME"]
    # (named first: Django's SQLite backend never closes an in-memory test database)
    settings_dict["NAME"] = "/nonexistent-portal-folder/replica.sqlite3"
    connections["replica"].close()
    yield
    connections["replica"].close()
    settings_dict["NAME"] = saved


def test_a_replica_that_cannot_be_reached_is_skipped_logged_and_not_retried_at_once(
    replica_unreachable, caplog, monkeypatch
):
    attempts = []
    connect = connections["replica"].ensure_connection

    def counting():
        attempts.append(1)
        connect()

    monkeypatch.setattr(connections["replica"], "ensure_connection", counting)
    with caplog.at_level(logging.WARNING, logger="portal.replica"):
        _, first = decisions(RequestFactory().get("/procedures/"), ok)
        _, second = decisions(RequestFactory().get("/procedures/"), ok)
    assert first == second == ["default"]
    assert len(attempts) == 1, "the replica is marked down, not tried on every request"
    assert "replica 'replica' unavailable" in caplog.text
    assert "reads go to the primary for 30 s" in caplog.text


def test_a_replica_that_fails_mid_view_makes_the_view_run_again_on_the_primary(with_replica):
    runs = []

    @reads_may_lag
    def view(request):
        alias = router.db_for_read(Dossier)
        runs.append(alias)
        if alias == "replica":
            connections["replica"].errors_occurred = True  # as Django's error wrapper does
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("from the primary")

    response = view(RequestFactory().get("/dashboards/"))
    assert response.content == b"from the primary"
    assert runs == ["replica", "default"]
    assert replica._down_until["replica"] > 0


def test_an_error_of_the_primary_is_not_swallowed(with_replica):
    @reads_may_lag
    def view(request):
        raise OperationalError("the primary failed")

    with pytest.raises(OperationalError):
        view(RequestFactory().get("/dashboards/"))


def test_the_catalogue_page_reads_from_the_replica(with_replica, client):
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(reverse("procedures:catalogue"), {"q": "khai sinh"})
    assert response.status_code == 200
    assert any("procedures_procedure" in q["sql"] for q in on_replica.captured_queries)
    assert not any("procedures_procedure" in q["sql"] for q in on_primary.captured_queries)


def test_my_dossiers_right_after_i_acted_read_from_the_primary(with_replica, client, citizen_a):
    dossier = DossierFactory(applicant=citizen_a)
    replica.pin_all_reads(seconds=-1)  # loading the procedure changed the catalogue: unpinned
    client.force_login(citizen_a)
    url = reverse("dossiers:mine")
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert client.get(url).status_code == 200
    assert any("dossiers_dossier" in q["sql"] for q in on_replica.captured_queries)

    response = client.post(reverse("dossiers:withdraw", args=[dossier.code]), {"reason": "x"})
    assert response.status_code == 302
    assert PIN_COOKIE in response.cookies
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        assert client.get(url).status_code == 200
    assert on_replica.captured_queries == []
    assert any("dossiers_dossier" in q["sql"] for q in on_primary.captured_queries)
