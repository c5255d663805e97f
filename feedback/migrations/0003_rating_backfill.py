"""Fill the denormalised agency, procedure, channel and rated_after of existing ratings."""

from django.db import migrations

REFUSED = 3


def backfill(apps, schema_editor):
    Rating = apps.get_model("feedback", "Rating")
    for rating in Rating.objects.select_related("dossier__procedure_version").iterator():
        dossier = rating.dossier
        rating.agency_id = (
            dossier.competent_agency_id or dossier.receiving_agency_id or dossier.target_agency_id
        )
        rating.procedure_id = dossier.procedure_version.procedure_id
        rating.channel = dossier.channel
        rating.rated_after = "refusal" if dossier.status == REFUSED else "result"
        if rating.level == 0:
            rating.review_requested = True
            rating.review_status = "requested"
        rating.save(
            update_fields=[
                "agency",
                "procedure",
                "channel",
                "rated_after",
                "review_requested",
                "review_status",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_complaint_rating_fields")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
