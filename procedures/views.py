from django.shortcuts import render

from dossiers.eforms import get_definition

from .selectors import procedure_detail, procedures_search


def catalogue(request):
    query = request.GET.get("q", "")
    return render(
        request,
        "procedures/catalogue.html",
        {"procedures": procedures_search(query=query), "query": query},
    )


def detail(request, code: str):
    procedure, version = procedure_detail(code=code)
    has_eform = version is not None and get_definition(version.form_key) is not None
    return render(
        request,
        "procedures/detail.html",
        {"procedure": procedure, "version": version, "has_eform": has_eform},
    )
