"""Timeline notes the portal writes: a key and parameters, rendered in the reader's language;
rows written before the keys keep their text, and the data migration maps those it can."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from dossiers.notes import Note, agency_name, bilingual_name, event_note
from dossiers.states.delivery import DeliveryMethod
from tests.factories import AgencyFactory, DossierEventFactory

pytestmark = pytest.mark.django_db

COMMITTEE = bilingual_name("Ủy ban nhân dân Phường Hoàn Kiếm", "People's Committee of Hoan Kiem")


@pytest.mark.parametrize(
    ("note", "english", "vietnamese"),
    [
        (
            Note("routed", {"agency": COMMITTEE}),
            "Sent to People's Committee of Hoan Kiem.",
            "Đã chuyển đến Ủy ban nhân dân Phường Hoàn Kiếm.",
        ),
        (Note("assigned"), "Assigned to a specialist.", "Đã phân công chuyên viên xử lý."),
        (
            Note("fanned_out", {"agencies": [COMMITTEE, {"word": "triage"}]}),
            "Sent to People's Committee of Hoan Kiem; triage.",
            None,
        ),
        (
            Note("delivery", {"text": {"choice": "delivery_method", "value": "post"}}),
            "By public postal service",
            None,
        ),
        (
            Note("workflow_step", {"text": bilingual_name("Thẩm định", "")}),
            "Thẩm định",  # a step without an English name: its official name
            "Thẩm định",
        ),
    ],
)
def test_a_note_is_rendered_in_the_reader_language(note, english, vietnamese):
    with translation.override("en"):
        assert note.render() == english
    with translation.override("vi"):
        rendered = note.render()
    assert rendered != english or vietnamese == english
    if vietnamese is not None:
        assert rendered == vietnamese
    assert note.in_portal_language() == rendered  # what `note` stores: the portal's language


def test_an_unknown_key_is_refused_when_written():
    with pytest.raises(ValueError, match="unknown note key"):
        Note("no_such_note")


def test_an_entry_renders_its_key_and_falls_back_to_its_text():
    keyed = DossierEventFactory(
        note="Đã chuyển đến Ủy ban nhân dân Phường Hoàn Kiếm.",
        note_key="routed",
        note_params={"agency": COMMITTEE},
    )
    broken = DossierEventFactory(note="kept as written", note_key="routed", note_params={})
    unknown = DossierEventFactory(note="kept too", note_key="gone", note_params={})
    written = DossierEventFactory(note="Thiếu giấy chứng sinh")
    with translation.override("en"):
        assert event_note(keyed) == "Sent to People's Committee of Hoan Kiem."
        assert event_note(broken) == "kept as written"
        assert event_note(unknown) == "kept too"
        assert event_note(written) == "Thiếu giấy chứng sinh"


def test_the_data_migration_maps_the_portal_notes_and_keeps_the_others():
    migration = importlib.import_module("dossiers.migrations.0012_event_note_key")
    agency = AgencyFactory(name="Ủy ban nhân dân Phường Hoàn Kiếm", name_en="HK Committee")
    with translation.override("vi"):
        routed = DossierEventFactory(
            action="routed", agency=agency, note=f"Đã chuyển đến {agency.name}."
        )
        assigned = DossierEventFactory(action="assigned", note="Đã phân công chuyên viên xử lý.")
        returned = DossierEventFactory(action="returned", note=str(DeliveryMethod.IN_PERSON.label))
    with translation.override("en"):
        routed_en = DossierEventFactory(
            action="routed", agency=agency, note="Sent to HK Committee."
        )
    other = DossierEventFactory(action="refused", note="Thiếu giấy chứng sinh")
    migration.forwards(apps, None)
    for event in (routed, assigned, returned, routed_en, other):
        event.refresh_from_db()
    assert (routed.note_key, routed.note_params) == ("routed", {"agency": agency_name(agency)})
    assert routed_en.note_key == "routed"
    assert assigned.note_key == "assigned"
    assert returned.note_key == "delivery"
    assert other.note_key == ""
    with translation.override("en"):
        assert event_note(routed) == "Sent to HK Committee."
        assert event_note(returned) == "In person at the agency"
        assert event_note(other) == "Thiếu giấy chứng sinh"


def test_keyed_notes_add_no_query_per_entry_on_the_dossier_page_and_tracking(
    client, settings, submit, citizen_a, agency_hk, django_assert_max_num_queries
):
    """The notes render from their parameters: more entries, the same queries."""
    from django.urls import reverse

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    dossier = submit(citizen_a)
    client.force_login(citizen_a)
    page = reverse("dossiers:mine_detail", args=[dossier.code])
    track = {"code": dossier.code, "id_last4": dossier.applicant_personal_id[-4:]}
    client.get(page)  # warm: the caches of the session and the calendar
    with django_assert_max_num_queries(60) as before:
        assert client.get(page).status_code == 200
    with django_assert_max_num_queries(60) as tracked:
        assert client.post(reverse("dossiers:track"), track).status_code == 200
    for _ in range(10):
        DossierEventFactory(
            dossier=dossier,
            action="routed",
            agency=agency_hk,
            note="Đã chuyển đến Ủy ban nhân dân Phường Hoàn Kiếm.",
            note_key="routed",
            note_params={"agency": agency_name(agency_hk)},
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(page)
    assert response.content.decode().count("Sent to ") >= 10
    with django_assert_max_num_queries(len(tracked.captured_queries)):
        client.post(reverse("dossiers:track"), track)
