from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from .models import Procedure, ProcedureVersion


def procedures_published() -> QuerySet[Procedure]:
    return Procedure.objects.filter(is_published=True).select_related("sector").order_by("code")


def procedures_search(*, query: str = "") -> QuerySet[Procedure]:
    qs = procedures_published()
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(name_en__icontains=query)
            | Q(keywords__icontains=query)
            | Q(code=query)
        )
    return qs


def procedures_featured() -> QuerySet[Procedure]:
    return procedures_published()[:12]


def procedure_detail(*, code: str) -> tuple[Procedure, ProcedureVersion | None]:
    from django.shortcuts import get_object_or_404

    procedure = get_object_or_404(procedures_published(), code=code)
    version = procedure.version_in_force()
    if version is not None:
        version = (
            ProcedureVersion.objects.filter(pk=version.pk)
            .prefetch_related(
                "levels",
                "channels__fees",
                Prefetch("cases__components"),
                "steps",
                "results",
                "legal_bases",
            )
            .get()
        )
    return procedure, version
