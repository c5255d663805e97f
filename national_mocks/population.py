"""Mock of the national population database, behind the data exchange platform.

Answers for the demo people (people.json, first) and the synthetic people
(national_mocks.synthetic, `NATIONAL_MOCKS_SYNTHETIC_PEOPLE` of them).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .exchange import require_signature
from .faults import national_service
from .registries import find_person


@require_GET
@national_service("population")
@require_signature
def citizen(request: HttpRequest, identification_number: str) -> JsonResponse:
    record = find_person(identification_number)
    if record is None:
        return JsonResponse({"error": "not_found"}, status=404)
    response = JsonResponse(record, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response
