"""Where the e-form wizard keeps a draft: formtools' storage in a FormDraft row (not the
session, so a draft survives logout and resumes on another device), and the draft's uploads
in a private storage until submission."""

from __future__ import annotations

import copy
from typing import Any

from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.utils import timezone
from formtools.wizard.storage.base import BaseStorage

from portal.object_storage import storage_unavailable
from portal.uploads import display_name, storage_name
from portal.validators import detect_upload_type

from .models import FormDraft

#: The draft EFormWizard.dispatch read, kept on the request for DraftStorage (one read).
DRAFT_ATTRIBUTE = "_eform_draft"


class DraftStorage(BaseStorage):
    """formtools storage kept in FormDraft.storage; the draft id is the wizard prefix."""

    def __init__(self, prefix: str, request=None, file_storage=None) -> None:
        super().__init__(prefix, request, file_storage)
        draft_id = prefix.removeprefix("wizard_")
        loaded = getattr(request, DRAFT_ATTRIBUTE, None)  # read by EFormWizard.dispatch
        if loaded is not None and str(loaded.pk) == draft_id and loaded.user_id == request.user.pk:
            self.draft = copy.copy(loaded)  # its own instance, as if read again
        else:
            self.draft = FormDraft.objects.select_related("procedure_version__procedure").get(
                pk=draft_id, user=request.user
            )
        self._data = self.draft.storage or {}
        if not self._data:
            self.init_data()
        #: what the row holds: a request that changes nothing (a step shown again, a
        #: refresh) writes nothing (issue 11: a write on every page of the wizard)
        self._stored = copy.deepcopy(self.draft.storage or None)

    @property
    def data(self) -> dict[str, Any]:
        return self._data

    @data.setter
    def data(self, value: dict[str, Any]) -> None:
        self._data = value

    def save(self) -> None:
        fields = ["storage", "updated_at"]
        self.draft.storage = self._data
        if self._data.get(self.step_data_key) and self.draft.first_answered_at is None:
            self.draft.first_answered_at = timezone.now()
            fields.append("first_answered_at")
        self.draft.save(update_fields=fields)
        self._stored = copy.deepcopy(self._data)

    def update_response(self, response: HttpResponse) -> None:
        if self.draft.submitted_at is None and self._data != self._stored:
            self.save()
        super().update_response(response)

    def set_step_files(self, step, files) -> None:  # type: ignore[no-untyped-def]
        """formtools' own, with the file saved as drafts/<random>.<extension of the type read
        from its content> (not under the person's file name, which may be too long for the
        file system) and that name kept, made safe, only to be shown. A file already in the
        draft (the step posted again without choosing it again) is not copied again."""
        step_files = self.data[self.step_files_key].setdefault(step, {})
        for field, field_file in (files or {}).items():
            if field in step_files and field_file is self._files.get((step, field)):
                continue
            content_type = getattr(field_file, "detected_type", None) or detect_upload_type(
                field_file
            )
            try:
                tmp_name = self.file_storage.save(storage_name("drafts", content_type), field_file)
            except Exception as error:
                if storage_unavailable(error):
                    # the store is down: keep the answers given so far (this step's too),
                    # then portal.middleware.StorageUnavailableMiddleware says so plainly
                    self.save()
                raise
            step_files[field] = {
                "tmp_name": tmp_name,
                "name": display_name(field_file.name),
                "content_type": content_type or "",
                "size": field_file.size,
                "charset": field_file.charset,
            }


#: Uploads waiting in a draft, as drafts/<random>.<ext> in the default storage: the files of
#: the demo's MEDIA_ROOT, the private bucket in production (shared by every web node, so a
#: draft started on one node resumes on another). Never served directly. Drafts saved before
#: (under the person's file name, at the top of MEDIA_ROOT) still open.
draft_file_storage = default_storage
