"""PostgreSQL: the unaccent and pg_trgm extensions and the search indexes (skipped on SQLite);
everywhere: the fixed list of life events of docs (contract between the catalogue helpers)."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

LIFE_EVENTS = [
    ("having_a_baby", "Sinh con", "Having a baby"),
    ("marriage_and_family", "Kết hôn và gia đình", "Marriage and family"),
    ("death_and_inheritance", "Người thân qua đời, thừa kế", "Death and inheritance"),
    ("moving_house", "Chuyển nơi ở", "Moving house"),
    ("identity_and_travel", "Căn cước, hộ chiếu và đi lại", "Identity and travel"),
    ("vehicles_and_driving", "Phương tiện và lái xe", "Vehicles and driving"),
    ("starting_a_business", "Khởi sự kinh doanh", "Starting a business"),
    ("running_a_business", "Hoạt động kinh doanh", "Running a business"),
    ("investment", "Đầu tư", "Investment"),
    ("jobs_and_social_insurance", "Việc làm và bảo hiểm xã hội", "Jobs and social insurance"),
    ("health_insurance", "Bảo hiểm y tế", "Health insurance"),
    ("education", "Học tập và thi cử", "Education"),
    ("land_and_housing", "Đất đai và nhà ở", "Land and housing"),
    ("justice_and_records", "Tư pháp và lý lịch", "Justice and records"),
    ("electricity_and_utilities", "Điện, nước và dịch vụ thiết yếu", "Electricity and utilities"),
]

INDEXES = [
    "CREATE INDEX IF NOT EXISTS procedures_search_text_trgm ON procedures_procedure "
    "USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS procedures_search_name_trgm ON procedures_procedure "
    "USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS procedures_search_text_fts ON procedures_procedure "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
]
DROP = [
    "DROP INDEX IF EXISTS procedures_search_text_trgm",
    "DROP INDEX IF EXISTS procedures_search_name_trgm",
    "DROP INDEX IF EXISTS procedures_search_text_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


def seed_life_events(apps, schema_editor):
    LifeEvent = apps.get_model("procedures", "LifeEvent")
    for order, (slug, name, name_en) in enumerate(LIFE_EVENTS, start=1):
        LifeEvent.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0003_catalogue_facets_and_search"),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(_run(INDEXES), _run(DROP)),
        migrations.RunPython(seed_life_events, migrations.RunPython.noop),
    ]
