from __future__ import annotations

from django.db import IntegrityError, transaction

from dossiers.models import Dossier
from dossiers.states.business import RATEABLE
from portal.audit import audit_record
from portal.models import User

from .models import Rating


class RatingNotAllowed(Exception):
    pass


def rating_create(*, dossier: Dossier, user: User, level: int, comment: str = "") -> Rating:
    """The applicant rates the handling once the dossier has a result or was refused."""
    if dossier.applicant_id != user.pk:
        raise RatingNotAllowed("only the applicant rates a dossier")
    if dossier.status not in RATEABLE:
        raise RatingNotAllowed("the dossier has no result yet")
    try:
        with transaction.atomic(durable=True):
            rating = Rating.objects.create(
                dossier=dossier,
                level=level,
                comment=comment.strip(),
                agency_id=(
                    dossier.competent_agency_id
                    or dossier.receiving_agency_id
                    or dossier.target_agency_id
                ),
                procedure_id=dossier.procedure_version.procedure_id,
                channel=dossier.channel,
                rated_after="refusal" if dossier.status == 3 else "result",
                review_requested=level == 0,
                review_status="requested" if level == 0 else "none",
            )
            audit_record(actor=user, action="rating.create", obj=rating, details={"level": level})
    except IntegrityError as exc:
        raise RatingNotAllowed("this dossier is already rated") from exc
    return rating
