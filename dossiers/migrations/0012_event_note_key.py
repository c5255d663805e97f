"""Timeline notes the portal composed become a key and parameters (dossiers.notes), rendered
in the reader's language. Existing rows are mapped when their text is one of the portal's
notes in Vietnamese or English; any other row keeps its text, shown as written."""

from django.db import migrations, models
from django.utils import translation

#: notes without parameters: (action, key)
CONSTANT = [
    ("triage", "triage"),
    ("assigned", "assigned"),
    ("bundle_progress", "bundle_progress"),
]
BUNDLE_ENDED = "bundle_ended"
BATCH = 2000


def _texts(key, params=None):
    from dossiers.notes import render

    texts = set()
    for language in ("vi", "en"):
        with translation.override(language):
            text = render(key, params or {})
            if text:
                texts.add(text)
    return texts


def forwards(apps, schema_editor):
    from dossiers.notes import agency_name
    from dossiers.states.delivery import DeliveryMethod

    Event = apps.get_model("dossiers", "DossierEvent")
    Agency = apps.get_model("agencies", "Agency")
    rows = Event.objects.filter(note_key="").exclude(note="")
    for action, key in CONSTANT:
        rows.filter(action=action, note__in=_texts(key)).update(note_key=key)
    rows.filter(action="bundle_progress", note__in=_texts(BUNDLE_ENDED)).update(
        note_key=BUNDLE_ENDED
    )
    for method in DeliveryMethod:
        params = {"text": {"choice": "delivery_method", "value": method.value}}
        rows.filter(action="returned", note__in=_texts("delivery", params)).update(
            note_key="delivery", note_params=params
        )
    # "Sent to <agency>.": the entry's agency, in either language
    routed = rows.filter(action="routed", agency__isnull=False).values_list("agency_id", flat=True)
    for agency in Agency.objects.filter(pk__in=routed.distinct()).iterator():
        params = {"agency": agency_name(agency)}
        texts = _texts("routed", params) | _texts("routed", {"agency": {"vi": agency.name}})
        rows.filter(action="routed", agency=agency, note__in=texts).update(
            note_key="routed", note_params=params
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0011_result_revocation"),
        ("agencies", "0003_agency_interop"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossierevent",
            name="note_key",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="dossierevent",
            name="note_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
