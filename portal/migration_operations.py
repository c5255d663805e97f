"""Migration operations the apps share."""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexWithoutLocking(AddIndexConcurrently):
    """An index made with ``CREATE INDEX CONCURRENTLY`` on PostgreSQL, where a table of
    millions of rows keeps taking writes while it is built (the migration must be
    ``atomic = False``); an ordinary ``CREATE INDEX`` on the embedded SQLite of the demo."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
