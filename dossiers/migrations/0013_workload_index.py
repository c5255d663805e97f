from django.db import migrations, models

from portal.migration_operations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    """The back-office's "processed this month" per agency (selectors.workload) from an index
    instead of the agency's whole history; built without locking the table on PostgreSQL."""

    atomic = False

    dependencies = [
        ("dossiers", "0012_event_note_key"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="dossier",
            index=models.Index(
                fields=["competent_agency", "processed_at"], name="dossiers_do_compete_506336_idx"
            ),
        ),
    ]
