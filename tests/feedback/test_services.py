"""Ratings: only the applicant, only once the dossier has a result or was refused, only once."""

import pytest

from dossiers.services import dossier_refuse
from feedback.services import RatingNotAllowed, rating_create

pytestmark = pytest.mark.django_db


def test_rating_rules(submit, citizen_a, citizen_b, officer_hk, agency_hk):
    dossier = submit(citizen_a)
    with pytest.raises(RatingNotAllowed, match="no result"):
        rating_create(dossier=dossier, user=citizen_a, level=2)
    dossier = dossier_refuse(
        dossier=dossier, officer=officer_hk, agency=agency_hk, reason="Thiếu giấy tờ"
    )
    with pytest.raises(RatingNotAllowed, match="applicant"):
        rating_create(dossier=dossier, user=citizen_b, level=0)
    rating = rating_create(dossier=dossier, user=citizen_a, level=0, comment="  Chưa rõ lý do  ")
    assert rating.comment == "Chưa rõ lý do"
    with pytest.raises(RatingNotAllowed, match="already"):
        rating_create(dossier=dossier, user=citizen_a, level=2)
