"""One wizard engine for every e-form, on django-formtools, with drafts kept on the server.

The wizard's state lives in a FormDraft row (not the session), so a draft survives logout and
resumes on another device. Uploaded files wait in a private draft storage until submission.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import FileSystemStorage
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from formtools.wizard.storage.base import BaseStorage
from formtools.wizard.views import WizardView

from procedures.models import ProcedureVersion

from .eforms import EFormDefinition, LockableForm, PrefillContext, get_definition
from .models import FormDraft
from .services import AlreadySubmitted, NewAttachment, dossier_submit

PREFILL_KEY = "prefill"
FURTHEST_KEY = "furthest"
RETURN_KEY = "return_to_review"
LOCK_SALT = "dossiers.wizard.prefill-locks"


class DraftStorage(BaseStorage):
    """formtools storage kept in FormDraft.storage; the draft id is the wizard prefix."""

    def __init__(self, prefix: str, request=None, file_storage=None) -> None:
        super().__init__(prefix, request, file_storage)
        draft_id = prefix.removeprefix("wizard_")
        self.draft = FormDraft.objects.select_related("procedure_version__procedure").get(
            pk=draft_id, user=request.user
        )
        self._data = self.draft.storage or {}
        if not self._data:
            self.init_data()

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

    def update_response(self, response: HttpResponse) -> None:
        if self.draft.submitted_at is None:
            self.save()
        super().update_response(response)


class DraftFileStorage(FileSystemStorage):
    """Uploads waiting in a draft, under MEDIA_ROOT/drafts (never served directly)."""

    def generate_filename(self, filename):  # type: ignore[no-untyped-def]
        return super().generate_filename(f"drafts/{filename}")


draft_file_storage = DraftFileStorage()


class EFormWizard(WizardView):
    storage_name = "dossiers.wizard.DraftStorage"
    file_storage = draft_file_storage
    definition: EFormDefinition

    @classmethod
    def get_initkwargs(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # The form list depends on the draft's procedure; it is set per request in dispatch.
        return {"form_list": {}, "initial_dict": {}, "instance_dict": {}, "condition_dict": {}}

    def dispatch(self, request, *args: Any, **kwargs: Any):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.get_full_path()}")
        draft = (
            FormDraft.objects.filter(pk=kwargs["draft_id"], user=request.user)
            .select_related("procedure_version__procedure", "dossier")
            .first()
        )
        if draft is None:
            raise Http404
        if draft.dossier is not None:
            return render(
                request, "eforms/already_submitted.html", {"dossier": draft.dossier}, status=200
            )
        definition = get_definition(draft.procedure_version.form_key)
        if definition is None:
            raise Http404
        self.draft = draft
        self.definition = definition
        self.form_list = {spec.name: spec.form_class for spec in definition.steps}
        self.step_specs = {spec.name: spec for spec in definition.steps}
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request, *args: Any, **kwargs: Any) -> str:
        return str(kwargs["draft_id"])

    # --- navigation -----------------------------------------------------------------------
    def get(self, request, *args: Any, **kwargs: Any):
        """Resume where the person left off; `?step=` goes back to a step already reached."""
        steps = list(self.get_form_list())
        wanted = request.GET.get("step")
        furthest = self.storage.extra_data.get(FURTHEST_KEY, steps[0])
        if wanted in steps and steps.index(wanted) <= steps.index(furthest):
            self.storage.current_step = wanted
            extra = dict(self.storage.extra_data)
            extra[RETURN_KEY] = request.GET.get("return") == "review"
            self.storage.extra_data = extra
        elif self.storage.current_step not in steps:
            self.storage.current_step = steps[0]
        step = self.steps.current
        return self.render(
            self.get_form(
                step, data=self.storage.get_step_data(step), files=self.storage.get_step_files(step)
            )
            if self.storage.get_step_data(step) is not None
            else self.get_form(step)
        )

    def render_next_step(self, form, **kwargs: Any):
        steps = list(self.get_form_list())
        extra = dict(self.storage.extra_data)
        next_step = self.steps.next
        if extra.get(RETURN_KEY) and self._all_valid_before("review"):
            next_step = "review"
            extra[RETURN_KEY] = False
        furthest = extra.get(FURTHEST_KEY, steps[0])
        if steps.index(next_step) > steps.index(furthest):
            extra[FURTHEST_KEY] = next_step
        self.storage.extra_data = extra
        self.storage.current_step = next_step
        return HttpResponseRedirect(self.request.path)

    def _all_valid_before(self, step: str) -> bool:
        for name in self.get_form_list():
            if name == step:
                return True
            if self.get_cleaned_data_for_step(name) is None:
                return False
        return True

    # --- forms ----------------------------------------------------------------------------
    def _answers(self) -> dict[str, dict[str, Any]]:
        answers: dict[str, dict[str, Any]] = {}
        for name in self.get_form_list():
            if self.storage.get_step_data(name) is None:
                continue
            data = self.get_cleaned_data_for_step(name)
            if data is not None:
                answers[name] = data
        return answers

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        step = step or self.steps.current
        kwargs = self._definition_form_kwargs(step)
        form_class = self.form_list[step]
        if isinstance(form_class, type) and issubclass(form_class, LockableForm):
            kwargs["locked"] = self._prefill().locked.get(step, {})
        return kwargs

    def _definition_form_kwargs(self, step: str) -> dict[str, Any]:
        if step == "commune" or step in getattr(self.definition, "dependent_steps", ()):
            answers = {"province": self.get_cleaned_data_for_step("province") or {}}
        else:
            answers = {}
        return self.definition.form_kwargs(step, answers)

    def get_form(self, step=None, data=None, files=None):
        step = step or self.steps.current
        if (
            data is not None
            and files is not None
            and self.request.method == "POST"
            and step == self.steps.current
        ):
            # A step re-posted without choosing the file again keeps the file uploaded before.
            stored = self.storage.get_step_files(step) or {}
            merged = files.copy()
            for name, stored_file in stored.items():
                if name not in merged:
                    merged[name] = stored_file
            files = merged
        return super().get_form(step, data, files)

    def _prefill(self) -> PrefillContext:
        cached = self.storage.extra_data.get(PREFILL_KEY)
        if cached is None:
            context = self.definition.prefill(
                user=self.request.user, version=self.draft.procedure_version
            )
            cached = {
                "initial": context.initial,
                "sources": context.sources,
                "unavailable": context.unavailable,
                "locked": context.locked,
                "signature": signing.dumps(context.locked, salt=LOCK_SALT),
            }
            extra = dict(self.storage.extra_data)
            extra[PREFILL_KEY] = cached
            self.storage.extra_data = extra
        return PrefillContext(
            initial=cached["initial"],
            sources=cached["sources"],
            unavailable=cached["unavailable"],
            locked=self._verified_locks(cached),
        )

    def _verified_locks(self, cached: dict[str, Any]) -> dict[str, dict[str, str]]:
        """The locked values, trusted only if their signature (made when they were fetched)
        still matches: a draft edited behind the portal's back loses nothing but its locks
        cannot be forged either: the submission is refused."""
        locked = cached.get("locked") or {}
        try:
            signed = signing.loads(cached.get("signature", ""), salt=LOCK_SALT)
        except signing.BadSignature:
            signed = None
        if signed != locked:
            raise SuspiciousOperation("prefilled values of the draft do not match their signature")
        return locked

    def get_form_initial(self, step: str) -> dict[str, Any]:
        return dict(self._prefill().initial.get(step, {}))

    # --- rendering ------------------------------------------------------------------------
    def render(self, form=None, **kwargs: Any):
        crucial = set(getattr(self.definition, "crucial_sources", ()))
        if crucial & set(self._prefill().unavailable):
            # A source the procedure cannot do without is down: say so, keep the draft.
            extra = dict(self.storage.extra_data)
            extra.pop(PREFILL_KEY, None)  # look again next time
            self.storage.extra_data = extra
            return render(
                self.request,
                "eforms/source_unavailable.html",
                {"procedure": self.draft.procedure_version.procedure, "draft": self.draft},
                status=503,
            )
        return super().render(form, **kwargs)

    def get_template_names(self) -> list[str]:
        return [self.step_specs[self.steps.current].template]

    def get_context_data(self, form, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        for key in (PREFILL_KEY, FURTHEST_KEY, RETURN_KEY):
            context.pop(key, None)
        prefill = self._prefill()
        step = self.steps.current
        steps = list(self.get_form_list())
        procedure = self.draft.procedure_version.procedure
        previous = self.steps.prev
        context.update(
            {
                "procedure": procedure,
                "version": self.draft.procedure_version,
                "draft": self.draft,
                "step_title": self.step_specs[step].title,
                "step_number": steps.index(step) + 1,
                "step_count": len(steps),
                "prefill_sources": prefill.sources.get(step, {}),
                "prefill_unavailable": bool(prefill.unavailable) and step in ("mother", "father"),
                "back_url": f"{self.request.path}?step={previous}"
                if previous
                else reverse("procedures:detail", args=[procedure.code]),
                "upload_limit": settings.PORTAL_UPLOAD_MAX_BYTES,
                "stored_files": self.storage.get_step_files(step) or {},
            }
        )
        if step == "review":
            context["summary"] = self.definition.summary(self._answers())
        return context

    def render_revalidation_failure(self, step, form, **kwargs: Any):
        messages.error(self.request, _("Some answers need checking before you can submit."))
        self.storage.current_step = step
        return self.render(form, **kwargs)

    # --- submission -----------------------------------------------------------------------
    def done(self, form_list, form_dict=None, **kwargs: Any):
        answers = {name: form.cleaned_data for name, form in (form_dict or {}).items()}
        submission = self.definition.submission(answers)
        version = self.draft.procedure_version
        case = (
            version.cases.filter(code=submission.case_code).first()
            if submission.case_code
            else None
        )
        attachments = []
        for component_code, uploaded in submission.files.items():
            component = case.components.filter(code=component_code).first() if case else None
            attachments.append(
                NewAttachment(
                    component=component,
                    file=uploaded,
                    content_type=getattr(uploaded, "detected_type", None)
                    or uploaded.content_type
                    or "",
                )
            )
        try:
            dossier = dossier_submit(
                applicant=self.request.user,
                version=version,
                case=case,
                commune=submission.commune,
                data=submission.data,
                subject_name=submission.subject_name,
                attachments=attachments,
                submission_key=self.draft.pk,
                language=get_language() or settings.LANGUAGE_CODE,
                email=submission.email,
                phone=submission.phone,
                draft=self.draft,
            )
        except AlreadySubmitted as exc:
            dossier = exc.dossier
        self.draft.submitted_at = timezone.now()
        return redirect("dossiers:submitted", code=dossier.code)


def draft_start(*, user, version: ProcedureVersion) -> FormDraft:
    """Resume the person's open draft of this procedure version, or start one."""
    draft = (
        FormDraft.objects.filter(user=user, procedure_version=version, submitted_at__isnull=True)
        .order_by("-updated_at")
        .first()
    )
    if draft is None:
        draft = FormDraft.objects.create(
            id=uuid.uuid4(), user=user, procedure_version=version, login_at=user.last_login
        )
    return draft


def start_view(request, code: str):
    from procedures.models import Procedure

    procedure = get_object_or_404(Procedure, code=code, is_published=True)
    version = procedure.version_in_force()
    if version is None or get_definition(version.form_key) is None:
        raise Http404
    if not request.user.is_authenticated:
        return redirect(f"{reverse('portal:login')}?next={request.path}")
    # GET too: after signing in, the person comes back here; an open draft is resumed.
    draft = draft_start(user=request.user, version=version)
    return redirect("dossiers:apply", draft_id=draft.pk)
