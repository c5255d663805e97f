"""Query budgets of the services a dossier goes through: submit, route, receive, issue and
return. A change that adds queries to one of these paths fails here; raise a budget only with
a reason in the commit message (the cost of a dossier is measured in bench/, docs/benchmarks.md).
The test runs in one transaction, so the on-commit work (the outbox's Celery tasks) is not
counted (routing is counted as a service of its own), and the rollup mark of the dossier is
written once for the whole test (in production, once per service: one INSERT each)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.services import (
    dossier_issue_result,
    dossier_receive,
    dossier_return_result,
    dossier_route,
    dossier_start_processing,
)
from tests.conftest import submit_birth_registration

pytestmark = pytest.mark.django_db

#: service -> the most queries it may make (measured when the budget was set)
BUDGETS = {
    "submit": 18,
    "route": 7,
    "receive": 12,
    "start_processing": 8,
    "issue_result": 14,
    "return_result": 8,
}


def test_the_services_of_a_dossier_stay_within_their_query_budgets(
    birth_version, hoan_kiem, citizen_a, officer_hk, agency_hk
):
    case = birth_version.cases.get(code="TH1")
    counts: dict[str, int] = {}

    def measured(name, call):
        with CaptureQueriesContext(connection) as queries:
            result = call()
        counts[name] = len(queries.captured_queries)
        return result

    dossier = measured(
        "submit",
        lambda: submit_birth_registration(
            citizen_a, version=birth_version, commune=hoan_kiem, case=case
        ),
    )
    measured("route", lambda: dossier_route(dossier_id=dossier.pk))
    kwargs = {"officer": officer_hk, "agency": agency_hk}
    dossier = measured("receive", lambda: dossier_receive(dossier=dossier, **kwargs))
    dossier = measured(
        "start_processing", lambda: dossier_start_processing(dossier=dossier, **kwargs)
    )
    dossier = measured("issue_result", lambda: dossier_issue_result(dossier=dossier, **kwargs))
    measured("return_result", lambda: dossier_return_result(dossier=dossier, **kwargs))
    over = {name: (n, BUDGETS[name]) for name, n in counts.items() if n > BUDGETS[name]}
    assert not over, f"over budget (queries, budget): {over}; all: {counts}"


def test_the_applicants_notice_and_the_outbox_stay_within_their_query_budgets(
    birth_version, hoan_kiem, citizen_a, mailoutbox
):
    """The notice of a submission on the inbox and e-mail channels, with the receipt PDF
    (the event, its agencies and places in one query; one statement per delivery claim), and
    what the outbox adds around any handler (the claim, the mark done)."""
    from dossiers.models import DossierEvent
    from notifications.services import notify_dossier_event
    from portal import outbox
    from portal.models import OutboxMessage

    dossier = submit_birth_registration(
        citizen_a,
        version=birth_version,
        commune=hoan_kiem,
        case=birth_version.cases.get(code="TH1"),
    )
    event = DossierEvent.objects.filter(dossier=dossier).latest("pk")
    with CaptureQueriesContext(connection) as queries:
        assert notify_dossier_event(event_id=event.pk)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].attachments, "the receipt was not attached"
    assert len(queries) <= 9, [q["sql"][:90] for q in queries.captured_queries]

    registry = outbox.OutboxRegistry()
    registry.register("test.nothing")(lambda payload: None)
    message = OutboxMessage.objects.create(topic="test.nothing", payload={})
    with CaptureQueriesContext(connection) as queries:
        assert outbox.outbox_run(message_id=str(message.id), handlers=registry)
    assert len(queries) == 2, [q["sql"][:90] for q in queries.captured_queries]
