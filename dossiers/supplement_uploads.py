"""Files an applicant uploaded for a supplement, kept between two posts of the page.

A browser never sends a file twice: when one field of the resubmission page has an error, the
files that passed their checks are saved in the storage under names the server makes
(``supplements/staged/<random>``) and listed in the person's session, per supplement round and
item; the next post uses them unless the person chooses another file. They become the
dossier's attachments when the resubmission succeeds, and are deleted then.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage

from portal.uploads import display_name, storage_name

SESSION_KEY = "supplement_uploads"
FOLDER = "supplements/staged"


class StagedUploads:
    def __init__(self, session: Any, round_pk: int) -> None:
        self.session = session
        self.key = str(round_pk)

    def _entries(self) -> dict[str, dict[str, str]]:
        return dict(self.session.get(SESSION_KEY, {}).get(self.key, {}))

    def _store(self, entries: dict[str, dict[str, str]]) -> None:
        everything = dict(self.session.get(SESSION_KEY, {}))
        if entries:
            everything[self.key] = entries
        else:
            everything.pop(self.key, None)
        self.session[SESSION_KEY] = everything

    def keep(self, uploads: Mapping[int, Any]) -> None:
        """Save the files of this post (a new file replaces the one kept for its item)."""
        if not uploads:
            return
        entries = self._entries()
        for index, uploaded in uploads.items():
            old = entries.get(str(index))
            if old:
                default_storage.delete(old["path"])
            content_type = getattr(uploaded, "detected_type", "") or ""
            uploaded.seek(0)
            path = default_storage.save(storage_name(FOLDER, content_type), uploaded)
            entries[str(index)] = {
                "path": path,
                "name": display_name(uploaded.name),
                "type": content_type,
            }
        self._store(entries)

    def shown(self) -> dict[int, dict[str, str]]:
        """Item index -> {"name": the person's file name}, for the page."""
        return {int(i): {"name": e["name"]} for i, e in self._entries().items()}

    def files(self) -> Iterator[tuple[int, File, str]]:
        """(item index, the file under the person's name, its detected type)."""
        for index, entry in sorted(self._entries().items(), key=lambda kv: int(kv[0])):
            yield (
                int(index),
                File(default_storage.open(entry["path"], "rb"), entry["name"]),
                entry["type"],
            )

    def clear(self) -> None:
        for entry in self._entries().values():
            default_storage.delete(entry["path"])
        self._store({})
