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
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from formtools.wizard.views import WizardView

from portal.validators import detect_upload_type
from procedures.models import ProcedureVersion

from . import wizard_review
from .eforms import LockableForm, PrefillContext, get_definition
from .eforms.conditions import holds
from .eforms.engine import DataForm
from .eforms.steps import DocumentsForm
from .models import AttachmentKind, FormDraft
from .services import AlreadySubmitted, NewAttachment, dossier_submit
from .wizard_storage import DRAFT_ATTRIBUTE, draft_file_storage

PREFILL_KEY = "prefill"
ADD_ROW = "wizard_add_row"
FURTHEST_KEY = "furthest"
RETURN_KEY = "return_to_review"
LOCK_SALT = "dossiers.wizard.prefill-locks"


def _rows(data: Any) -> Any:
    """A repeating group's answers: the rows kept (not removed, not left empty)."""
    if isinstance(data, list):
        return [
            {k: v for k, v in row.items() if k != "DELETE"}
            for row in data
            if row and not row.get("DELETE")
        ]
    return data


class EFormWizard(WizardView):
    storage_name = "dossiers.wizard_storage.DraftStorage"
    file_storage = draft_file_storage
    definition: DataForm

    @classmethod
    def get_initkwargs(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # The form list depends on the draft's procedure; it is set per request in dispatch.
        return {"form_list": {}, "initial_dict": {}, "instance_dict": {}, "condition_dict": {}}

    def dispatch(self, request, *args: Any, **kwargs: Any):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.get_full_path()}")
        draft = (
            FormDraft.objects.filter(
                pk=kwargs["draft_id"], user=request.user, discarded_at__isnull=True
            )
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
        setattr(request, DRAFT_ATTRIBUTE, draft)
        self.definition = definition
        self.form_list = {spec.name: spec.form_class for spec in definition.steps}
        self.step_specs = {spec.name: spec for spec in definition.steps}
        self.condition_dict = {
            name: self._condition(name)
            for name in definition.wizard_step_names
            if definition.step_condition(name)
        }
        self._cleaned: dict[str, Any] = {}
        return super().dispatch(request, *args, **kwargs)

    def _condition(self, step: str):
        """A step that applies only for some answers (formtools' condition_dict)."""

        def applies(wizard: EFormWizard) -> bool:
            condition = wizard.definition.step_condition(step)
            return holds(condition, wizard._answers_of(wizard._steps_before(step)))

        return applies

    def _steps_before(self, step: str) -> list[str]:
        names = self.definition.wizard_step_names
        return names[: names.index(step)]

    def get_prefix(self, request, *args: Any, **kwargs: Any) -> str:
        return str(kwargs["draft_id"])

    # --- navigation -----------------------------------------------------------------------
    # Each step has its own address, apply/<draft>/<step>/ (formtools' NamedUrlWizardView
    # pattern on this engine): Back, refresh and a bookmark show that step with its saved
    # values; a step not reached yet sends the person to the first one still to answer.
    def step_url(self, step: str, *, returning: bool = False) -> str:
        url = reverse("dossiers:apply_step", args=[self.draft.pk, step])
        return f"{url}?return=review" if returning else url

    def _reachable(self, steps: list[str]) -> str:
        """The furthest step the person may open: the one after the last answered."""
        furthest = self.storage.extra_data.get(FURTHEST_KEY, steps[0])
        return furthest if furthest in steps else self._first_incomplete(steps)

    def _first_incomplete(self, steps: list[str]) -> str:
        """The first step whose saved answers are missing or no longer valid."""
        for name in steps[:-1]:
            if self.storage.get_step_data(name) is None:
                return name
            if self.get_cleaned_data_for_step(name) is None:
                return name
        return steps[-1]

    def get(self, request, *args: Any, **kwargs: Any):
        steps = list(self.get_form_list())
        wanted = kwargs.get("step")
        if wanted is None:  # the draft's own address (and the old `?step=`): its current step
            legacy = request.GET.get("step")
            current = self.storage.current_step
            target = legacy if legacy in steps else current if current in steps else steps[0]
            if steps.index(target) > steps.index(self._reachable(steps)):
                target = self._reachable(steps)
            return self._no_store(
                HttpResponseRedirect(
                    self.step_url(target, returning=request.GET.get("return") == "review")
                )
            )
        furthest = self._reachable(steps)
        if wanted not in steps or steps.index(wanted) > steps.index(furthest):
            messages.info(
                request,
                _("That page is not available yet. Carry on from the step below."),
            )
            return self._no_store(HttpResponseRedirect(self.step_url(furthest)))
        self.storage.current_step = wanted
        returning = request.GET.get("return") == "review"
        if bool(self.storage.extra_data.get(RETURN_KEY)) != returning:
            extra = dict(self.storage.extra_data)
            extra[RETURN_KEY] = returning
            self.storage.extra_data = extra
        step = self.steps.current
        return self._no_store(
            self.render(
                self.get_form(
                    step,
                    data=self.storage.get_step_data(step),
                    files=self.storage.get_step_files(step),
                )
                if self.storage.get_step_data(step) is not None
                else self.get_form(step)
            )
        )

    @staticmethod
    def _no_store(response: HttpResponse) -> HttpResponse:
        """A step is never taken from the browser's cache: Back asks again and shows the
        answers saved since (they hold personal data, too)."""
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response

    def post(self, *args: Any, **kwargs: Any):
        steps = list(self.get_form_list())
        posted_step = self.request.POST.get(f"{self.prefix}-current_step") or self.request.POST.get(
            "current_step"
        )
        furthest = self._reachable(steps)
        if posted_step is not None and (
            posted_step not in steps or steps.index(posted_step) > steps.index(furthest)
        ):
            # A tampered or stale page: never jump ahead of the answers given so far.
            messages.error(
                self.request,
                _("That page is not available yet. Carry on from the step below."),
            )
            return HttpResponseRedirect(self.step_url(furthest))
        if ADD_ROW in self.request.POST and posted_step == self.steps.current:
            return self._posted(self._add_row())
        return self._posted(super().post(*args, **kwargs))

    def _posted(self, response: HttpResponse) -> HttpResponse:
        """A step answered goes on by a redirect (a refresh never posts again). A page shown
        again with its errors is kept privately by the browser: it is a history entry of a
        POST, and Back to it must not ask to send the form again (ERR_CACHE_MISS)."""
        if response.status_code in (301, 302, 303):
            return self._no_store(response)
        patch_cache_control(response, private=True, max_age=0)
        return response

    def _add_row(self):
        """ "Add another" in a repeating group, without JavaScript: the page comes back with one
        more empty row and everything typed so far."""
        step = self.steps.current
        data = self.request.POST.copy()
        total_key = f"{self.get_form_prefix(step, self.form_list[step])}-TOTAL_FORMS"
        try:
            total = int(data.get(total_key, "1"))
        except ValueError:
            total = 1
        maximum = getattr(self.form_list[step], "max_num", 10)
        data[total_key] = str(min(total + 1, maximum))
        form = self.get_form(step, data=data, files=self.request.FILES)
        return self.render(form, adding_row=True)

    def process_step(self, form):
        self._cleaned = {}
        return super().process_step(form)

    def render_next_step(self, form, **kwargs: Any):
        self._cleaned = {}
        current = self.steps.current
        exit_page = self.definition.exit_for(current, self._answers())
        if exit_page is not None:
            return self._render_exit(exit_page, current)
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
        return HttpResponseRedirect(self.step_url(next_step))

    def _all_valid_before(self, step: str) -> bool:
        for name in self.get_form_list():
            if name == step:
                return True
            if self.get_cleaned_data_for_step(name) is None:
                return False
        return True

    def _render_exit(self, exit_page: dict[str, Any], step: str):
        from procedures.models import Procedure

        from .eforms.fields import pick_text

        other = (
            Procedure.objects.filter(code=exit_page["procedure"], is_published=True).first()
            if exit_page.get("procedure")
            else None
        )
        return render(
            self.request,
            "eforms/exit.html",
            {
                "procedure": self.draft.procedure_version.procedure,
                "title": pick_text(exit_page["title"]),
                "body": pick_text(exit_page["body"]),
                "other": other,
                "change_url": self.step_url(step),
            },
        )

    # --- forms ----------------------------------------------------------------------------
    def get_cleaned_data_for_step(self, step):
        """Memoised per request: forms depend on earlier answers, which are validated once."""
        if step not in self._cleaned:
            self._cleaned[step] = super().get_cleaned_data_for_step(step)
        return self._cleaned[step]

    def _answers_of(self, steps: list[str]) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for name in steps:
            if name not in self.form_list or self.storage.get_step_data(name) is None:
                continue
            data = self.get_cleaned_data_for_step(name)
            if data is None:
                continue
            answers[name] = _rows(data)
        return answers

    def _answers(self) -> dict[str, Any]:
        return self._answers_of(list(self.get_form_list()))

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        step = step or self.steps.current
        answers = self._answers_of(self.definition.dependencies(step))
        kwargs = self.definition.form_kwargs(step, answers)
        form_class = self.form_list[step]
        if isinstance(form_class, type) and issubclass(form_class, LockableForm):
            prefill = self._prefill(step)
            kwargs["locked"] = prefill.locked.get(step, {})
            kwargs["locked_sources"] = prefill.locked_sources.get(step, {})
        elif form_class is DocumentsForm or (
            isinstance(form_class, type) and issubclass(form_class, DocumentsForm)
        ):
            kwargs["components"] = self.definition.components(self.draft.procedure_version, answers)
            kwargs["store"] = self._prefill(step).store
        return kwargs

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
        # Not super(): formtools looks the class up in get_form_list(), which evaluates the
        # step conditions, which need earlier answers, which need their forms... Our form_list
        # holds every step, so the class is taken from it directly.
        form_class = self.form_list[step]
        kwargs = self.get_form_kwargs(step)
        kwargs.update(
            {
                "data": data,
                "files": files,
                "prefix": self.get_form_prefix(step, form_class),
                "initial": self.get_form_initial(step),
            }
        )
        return form_class(**kwargs)

    def _needs_prefill(self, step: str | None) -> bool:
        """Whether the pages up to `step` (the current one if None) read any national source,
        or the form has a crucial source (checked from the first page)."""
        if getattr(self.definition, "crucial_sources", ()):
            return True
        names = self.definition.wizard_step_names
        step = step or self.storage.current_step or names[0]
        upto = names[: names.index(step) + 1] if step in names else names
        return any(self.definition.sources_of_step(name) for name in upto)

    def _prefill(self, step: str | None = None) -> PrefillContext:
        """The form's prefill, resolved once per draft when the person first reaches a page
        that needs a national source: a first page without prefill costs no lookup."""
        cached = self.storage.extra_data.get(PREFILL_KEY)
        if cached is None and not self._needs_prefill(step):
            return PrefillContext()
        if cached is None:
            context = self.definition.prefill(
                user=self.request.user, version=self.draft.procedure_version
            )
            cached = {
                "initial": context.initial,
                "sources": context.sources,
                "unavailable": context.unavailable,
                "locked": context.locked,
                "locked_sources": context.locked_sources,
                "store": context.store,
                "used": context.used,
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
            locked_sources=cached.get("locked_sources", {}),
            store=cached.get("store", []),
            used=cached.get("used", []),
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

    def get_form_initial(self, step: str):
        initial = self._prefill(step).initial.get(step, {})
        if hasattr(self.form_list[step], "management_form"):  # a repeating group
            return initial if isinstance(initial, list) else []
        return dict(initial)

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
                "prefill_unavailable": self._unavailable_here(step, prefill),
                "adding_row": kwargs.get("adding_row", False),
                "add_row_name": ADD_ROW,
                "back_url": self.step_url(previous)
                if previous
                else reverse("procedures:detail", args=[procedure.code]),
                "upload_limit": settings.PORTAL_UPLOAD_MAX_BYTES,
                "stored_files": self._stored_files(step),
            }
        )
        if self.definition.kind(step) == "review":
            answers = self._answers()
            context["sections"] = wizard_review.sections(
                self.definition.summary(answers),
                prefill.locked,
                lambda name: self.step_url(name, returning=True),
            )
            context["what_next"] = wizard_review.what_next(
                version=self.draft.procedure_version,
                commune=self.definition.routing_commune(answers),
            )
        if isinstance(form, DocumentsForm):
            context["reuse_fields"] = list(form.reuse_options)
            context["upload_hint"] = True
        definition = self.definition.step_defs[step]
        if definition.get("kind") == "repeat":
            from .eforms.fields import pick_text

            context["item_label"] = pick_text(definition["item_label"])
        if definition.get("intro"):
            from .eforms.fields import pick_text

            context["step_intro"] = pick_text(definition["intro"])
        return context

    def _stored_files(self, step: str) -> dict[str, Any]:
        """The files already in the draft for this step, by field name (formtools keeps them
        under the form's prefixed names, "documents-gcs")."""
        prefix = f"{self.get_form_prefix(step, self.form_list[step])}-"
        stored = self.storage.get_step_files(step) or {}
        return {name.removeprefix(prefix): file for name, file in stored.items()}

    def _unavailable_here(self, step: str, prefill: PrefillContext) -> list[str]:
        """The names of the sources that should have filled this page but did not answer."""
        from prefill.registry import registry as sources

        if not prefill.unavailable:
            return []
        wanted = self.definition.sources_of_step(step)
        return [
            str(getattr(sources.get(key), "name", key))
            for key in prefill.unavailable
            if key in wanted
        ]

    def render_revalidation_failure(self, step, form, **kwargs: Any):
        """An earlier answer no longer holds: its page, at its own address, with its errors."""
        messages.error(self.request, _("Some answers need checking before you can submit."))
        self.storage.current_step = step
        return HttpResponseRedirect(self.step_url(step))

    # --- submission -----------------------------------------------------------------------
    def done(self, form_list, form_dict=None, **kwargs: Any):
        answers = {name: _rows(form.cleaned_data) for name, form in (form_dict or {}).items()}
        exit_page = self.definition.exits_reached(answers)
        if exit_page is not None:  # an ineligible answer cannot be submitted by any route
            return self._render_exit(exit_page, self.definition.wizard_step_names[0])
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
            attachments += self._reused_attachments(submission.reused, case)
        except StoreUnavailable as exc:
            messages.error(
                self.request,
                exc.message
                or _(
                    "Your e-document store is not answering right now, so the documents you "
                    "chose from it cannot be attached. Upload the files instead, or try again "
                    "in a few minutes."
                ),
            )
            step = self.definition.documents_step or self.steps.current
            self.storage.current_step = step
            return HttpResponseRedirect(self.step_url(step))
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
                prefilled_from=self._prefill(self.definition.wizard_step_names[-1]).used,
            )
        except AlreadySubmitted as exc:
            dossier = exc.dossier
        self.draft.submitted_at = timezone.now()
        return redirect("dossiers:submitted", code=dossier.code)

    def _reused_attachments(self, reused: dict[str, str], case) -> list[NewAttachment]:
        """Copies of the store documents chosen for components, marked reused."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from prefill.national_client import NationalDataClient, NationalDataError

        if not reused:
            return []
        owner = self.request.user.personal_id or ""
        out = []
        try:
            with NationalDataClient() as client:
                for component_code, document_id in reused.items():
                    meta = client.get_document(owner, document_id)
                    if meta.get("revoked"):
                        raise StoreUnavailable(
                            _(
                                "“%(title)s” in your e-document store was revoked by the agency "
                                "that issued it, so it cannot be attached. Upload a valid "
                                "document instead."
                            )
                            % {"title": meta.get("title", "")}
                        )
                    content = client.get_document_content(owner, document_id)
                    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(
                        meta.get("content_type", ""), "pdf"
                    )
                    name = f"{document_id}.{extension}"[-100:]
                    upload = SimpleUploadedFile(name, content)
                    component = (
                        case.components.filter(code=component_code).first() if case else None
                    )
                    out.append(
                        NewAttachment(
                            component=component,
                            file=upload,
                            content_type=detect_upload_type(upload) or "application/pdf",
                            kind=AttachmentKind.REUSED,
                            store_document_id=document_id,
                        )
                    )
        except NationalDataError as exc:
            raise StoreUnavailable from exc
        return out


class StoreUnavailable(Exception):
    """The e-document store did not give a chosen document at submission time (`message`:
    why, for the person, when it is not the store being down)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


def draft_start(*, user, version: ProcedureVersion) -> FormDraft:
    """Resume the person's open draft of this procedure version, or start one."""
    draft = (
        FormDraft.objects.filter(
            user=user,
            procedure_version=version,
            submitted_at__isnull=True,
            discarded_at__isnull=True,
        )
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
    definition = get_definition(version.form_key) if version is not None else None
    if version is None or definition is None:
        raise Http404
    if not request.user.is_authenticated:
        return redirect(f"{reverse('portal:login')}?next={request.path}")
    # GET too: after signing in, the person comes back here; an open draft is resumed.
    draft = draft_start(user=request.user, version=version)
    # straight to its current step (formtools keeps it as "step"), or the first for a new one
    step = (draft.storage or {}).get("step") or definition.wizard_step_names[0]
    return redirect("dossiers:apply_step", draft_id=draft.pk, step=step)
