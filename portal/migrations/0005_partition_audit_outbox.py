# The audit trail and the outbox grow for ever: partitioned by month on PostgreSQL
# (portal/partitions.py, docs/operations.md "Partitioned tables"). Django's state does not
# change (`id` stays the models' primary key; the database's is (id, time)); on SQLite the
# tables stay plain.

from django.db import migrations

from portal.partitions import convert_to_partitioned, convert_to_plain

TABLES = (("portal_auditevent", "at"), ("portal_outboxmessage", "created_at"))


def partition(apps, schema_editor):
    for table, column in TABLES:
        convert_to_partitioned(schema_editor, table, column)


def unpartition(apps, schema_editor):
    for table, column in TABLES:
        convert_to_plain(schema_editor, table, column)


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0004_notifications_moved'),
    ]

    operations = [
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
