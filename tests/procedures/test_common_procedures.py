"""The front page's common procedures follow real use (issue 16): the dossiers of the last
three months per procedure, counted each night from the dashboards' facts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboards.models import MonthlyFact
from dashboards.selectors import procedure_recent_dossiers
from dashboards.tasks import procedure_usage_refresh
from procedures.models import ChannelKind, Procedure
from procedures.selectors import catalogue_revision, procedures_featured
from procedures.services import procedure_usage_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(birth_version):
    """The birth registration and two more procedures of its sector."""
    base = birth_version.procedure
    others = []
    for code in ("1.000001", "1.000002"):
        others.append(
            Procedure.objects.create(code=code, name=f"Thủ tục {code}", sector=base.sector)
        )
    return [base, *others]


def _fact(procedure, month: dt.date, n: int) -> None:
    MonthlyFact.objects.create(
        month=month, procedure=procedure, channel=ChannelKind.ONLINE, dossiers=n
    )


def test_the_most_used_procedures_come_first(catalogue):
    birth, first, second = catalogue
    this_month = timezone.localdate().replace(day=1)
    long_ago = (this_month - dt.timedelta(days=200)).replace(day=1)
    _fact(second, this_month, 30)
    _fact(first, this_month, 5)
    _fact(first, (this_month - dt.timedelta(days=1)).replace(day=1), 10)
    _fact(birth, long_ago, 1000)  # over three months ago: not counted
    assert procedure_recent_dossiers() == {second.pk: 30, first.pk: 15}
    revision = catalogue_revision()
    procedure_usage_refresh()
    featured = list(procedures_featured())
    assert featured[:3] == [second, first, birth]
    assert catalogue_revision() != revision  # the cached front page is forgotten
    # nothing changed: the cached pages stay
    revision = catalogue_revision()
    assert procedure_usage_update(counts={second.pk: 30, first.pk: 15}) == 0
    assert catalogue_revision() == revision


def test_without_use_the_order_is_the_essential_services_then_the_code(catalogue):
    birth, first, second = catalogue
    assert birth.essential_service  # birth registration is one of the 25
    assert list(procedures_featured())[:3] == [birth, first, second]
