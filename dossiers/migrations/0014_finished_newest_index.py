from django.db import migrations, models

from portal.migration_operations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    """The back-office's "Finished" tab, newest first, read from an index in that order instead
    of sorting the agency's whole history; built without locking the table on PostgreSQL."""

    atomic = False

    dependencies = [
        ("dossiers", "0013_workload_index"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("source_system", ""), ("status__in", [3, 7, 8, 10])),
                fields=["competent_agency", "-submitted_at", "-id"],
                name="dossier_finished_newest",
            ),
        ),
    ]
