"""Mock of the national population database, behind the data exchange platform."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from . import people
from .exchange import require_signature
from .faults import national_service


@require_GET
@national_service("population")
@require_signature
def citizen(request: HttpRequest, identification_number: str) -> JsonResponse:
    person = people.by_identification_number(identification_number)
    if person is None:
        return JsonResponse({"error": "not_found"}, status=404)
    response = JsonResponse(person.population_record(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response
