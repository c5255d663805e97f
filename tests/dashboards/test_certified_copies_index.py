"""The digitisation group counts real signed documents: 'e-certified copies' the certified
copies the unit's agencies issued, 'legally valid e-results' the results with a valid
signature (issue 14 part 3)."""

from __future__ import annotations

import pytest

from dashboards.index import index_compute
from dashboards.rollups import rollups_rebuild
from dashboards.selectors import index_inputs, national_unit, period_parse, unit_load
from dossiers.models import Attachment, CertifiedCopy
from dossiers.states.business import Status
from portal.models import AuditEvent, User

from .conftest import at

pytestmark = pytest.mark.django_db


def certified_copy(agency, issued, n):
    officer = User.objects.get_or_create(username="certifier")[0]
    return CertifiedCopy.objects.create(
        number=f"{n:04d}/2026/SCT/BS", agency=agency, officer=officer,
        holder_personal_id="001190012345", holder_name="Nguyễn Thị Lan",
        document_title="Giấy khai sinh", pages=2, file=f"certified/{n}.pdf", sha256="a" * 64,
        issued_at=issued,
    )  # fmt: skip


def finished(make_dossier, agency, *, signed: bool):
    dossier = make_dossier(agency, submitted=at("2026-03-02"))
    dossier.received_at = dossier.submitted_at
    dossier.processed_at = at("2026-03-04")
    dossier.status = Status.RESULT_READY
    dossier.result_sha256 = "b" * 64
    dossier.result_signed = signed
    dossier.save()
    Attachment.objects.create(
        dossier=dossier, file="attachments/x.pdf", original_name="x.pdf",
        content_type="application/pdf", size=1, sha256="c" * 64,
    )  # fmt: skip
    return dossier


def test_certified_copies_and_signed_results_feed_the_digitisation_group(
    make_dossier, agency_hk, agency_bd, agency_dn
):
    certified_copy(agency_hk, at("2026-03-10"), 1)
    certified_copy(agency_hk, at("2026-03-11"), 2)
    certified_copy(agency_hk, at("2026-04-01", 0), 3)  # April in Vietnam's time
    certified_copy(agency_bd, at("2026-03-12"), 4)
    certified_copy(agency_dn, at("2026-03-12"), 5)  # Da Nang
    finished(make_dossier, agency_hk, signed=True)
    finished(make_dossier, agency_hk, signed=True)
    finished(make_dossier, agency_hk, signed=False)  # a result without a valid signature
    finished(make_dossier, agency_hk, signed=False)
    rollups_rebuild()
    march = period_parse("2026-03")
    hk = index_inputs(unit_load(kind="agency", pk=agency_hk.pk), march)
    assert (hk.finished, hk.e_result, hk.components) == (4, 2, 4)
    assert hk.e_certified_copies == 2
    province = index_inputs(unit_load(kind="province", pk=agency_hk.province_id), march)
    assert province.e_certified_copies == 3
    assert index_inputs(national_unit(), period_parse("2026")).e_certified_copies == 5
    criteria = {c.key: c for c in index_compute(hk).groups[-1].criteria}
    assert (criteria["e_result"].numerator, criteria["e_result"].denominator) == (2, 4)
    assert criteria["e_result"].points == 3  # 6 x 2 / 4
    assert (criteria["e_certified"].numerator, criteria["e_certified"].denominator) == (2, 4)
    assert criteria["e_certified"].points == 1  # 2 x 2 / 4


def test_a_result_from_an_agency_s_own_system_counts_only_when_validly_signed(
    submit, citizen_a, officer_hk, agency_hk
):
    from dossiers.services import dossier_issue_result, dossier_receive, dossier_start_processing
    from tests.conftest import PDF_BYTES

    def started():
        dossier = dossier_receive(dossier=submit(citizen_a), officer=officer_hk, agency=agency_hk)
        return dossier_start_processing(dossier=dossier, officer=officer_hk, agency=agency_hk)

    rendered = dossier_issue_result(dossier=started(), officer=officer_hk, agency=agency_hk)
    unsigned = dossier_issue_result(
        dossier=started(), officer=officer_hk, agency=agency_hk, content=PDF_BYTES
    )
    with rendered.result_file.open("rb") as handle:
        resigned = dossier_issue_result(
            dossier=started(), officer=officer_hk, agency=agency_hk, content=handle.read()
        )
    assert (rendered.result_signed, unsigned.result_signed, resigned.result_signed) == (
        True,
        False,
        True,
    )


def test_results_stored_before_the_flag_are_checked_by_a_command(
    submit, citizen_a, officer_hk, agency_hk
):
    from io import StringIO

    from django.core.management import call_command

    from dossiers.models import Dossier
    from dossiers.services import dossier_issue_result, dossier_receive, dossier_start_processing
    from tests.conftest import PDF_BYTES

    def started():
        dossier = dossier_receive(dossier=submit(citizen_a), officer=officer_hk, agency=agency_hk)
        return dossier_start_processing(dossier=dossier, officer=officer_hk, agency=agency_hk)

    signed = dossier_issue_result(dossier=started(), officer=officer_hk, agency=agency_hk)
    unsigned = dossier_issue_result(
        dossier=started(), officer=officer_hk, agency=agency_hk, content=PDF_BYTES
    )
    Dossier.objects.update(result_signed=False)  # as stored before migration 0008
    out = StringIO()
    call_command("check_result_signatures", stdout=out)
    assert "2 results checked, 1 carry a valid signature" in out.getvalue()
    assert Dossier.objects.get(pk=signed.pk).result_signed
    assert not Dossier.objects.get(pk=unsigned.pk).result_signed
    audit = AuditEvent.objects.get(action="dossier.result_signature_checked")
    assert audit.object_id == str(signed.pk)


def test_issuing_a_copy_refreshes_its_monthly_bucket(
    national_settings, officer_hk, agency_hk, django_capture_on_commit_callbacks
):
    from dashboards.models import CertifiedCopyFact
    from tests.dossiers.test_certified_copies import issue

    with django_capture_on_commit_callbacks(execute=True):
        copy = issue(officer_hk, agency_hk)
    with django_capture_on_commit_callbacks(execute=True):
        issue(officer_hk, agency_hk)
    fact = CertifiedCopyFact.objects.get()
    assert (fact.agency_id, fact.province_id, fact.copies) == (
        agency_hk.pk,
        agency_hk.province_id,
        2,
    )
    assert fact.month == copy.issued_at.astimezone(at("2026-01-01").tzinfo).date().replace(day=1)
