"""factory-boy factories for the main models, with a dossier's lifecycle states as traits.

A test that needs many rows in a given state, without going through the services, builds them
here: `DossierFactory.create_batch(20, applicant=citizen, received=True)`. A test about a
service or a journey goes through the service (the `submit` fixture, `dossiers.services`):
the factories write the end state directly and run no side effect.

    DossierFactory()                       submitted online, routed to a commune committee
    DossierFactory(received=True)          received, due in five working days' time
    DossierFactory(in_processing=True)     ... and assigned to a specialist
    DossierFactory(supplement_requested=True)  ... its clock paused for a supplement
    DossierFactory(result_ready=True)      ... processed, with a result number
    DossierFactory(returned=True)          ... the result returned to the applicant
    DossierFactory(refused=True)           refused at reception
    DossierFactory(overdue=True)           received, its due date passed
"""

from __future__ import annotations

import datetime as dt
import json

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from agencies.models import (
    Agency,
    AgencyKind,
    AgencyLevel,
    Commune,
    Membership,
    OfficerRole,
    Province,
)
from dossiers.models import Dossier, DossierEvent
from dossiers.states.business import Status
from dossiers.states.delivery import DeliveryStatus
from portal.models import User
from procedures.models import ProcedureVersion

BIRTH_REGISTRATION = "1.001193-birth-registration.json"
OFFICER_ROLES = (OfficerRole.RECEPTION, OfficerRole.SPECIALIST, OfficerRole.LEADER)


def birth_registration_version() -> ProcedureVersion:
    """Version 1 of the birth registration, imported from the reviewed catalogue file once per
    test database transaction."""
    from procedures.services import DATA_DIR, procedure_import

    data = json.loads((DATA_DIR / BIRTH_REGISTRATION).read_text(encoding="utf-8"))
    found = ProcedureVersion.objects.filter(procedure__code=data["code"], number=1).first()
    if found is not None:
        return found
    procedure, _ = procedure_import(data=data)
    return procedure.versions.get(number=1)


class ProvinceFactory(DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{60 + n % 30:02d}")
    name = factory.LazyAttribute(lambda o: f"Tỉnh Thử {o.code}")
    division_type = "tỉnh"
    codename = factory.LazyAttribute(lambda o: f"tinh_thu_{o.code}")


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{90000 + n:05d}")
    name = factory.LazyAttribute(lambda o: f"Xã Thử {o.code}")
    division_type = "xã"
    codename = factory.LazyAttribute(lambda o: f"xa_thu_{o.code}")
    province = factory.SubFactory(ProvinceFactory)


class AgencyFactory(DjangoModelFactory):
    """The people's committee of a commune (where most dossiers are decided)."""

    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    commune = factory.SubFactory(CommuneFactory)
    province = factory.SelfAttribute("commune.province")
    code = factory.LazyAttribute(lambda o: f"{o.commune.code}.00.H{o.province.code}")
    name = factory.LazyAttribute(lambda o: f"Ủy ban nhân dân {o.commune.name}")
    level = AgencyLevel.COMMUNE
    kind = AgencyKind.COMMUNE_COMMITTEE


class CitizenFactory(DjangoModelFactory):
    """A person who signed in through the national SSO."""

    class Meta:
        model = User
        django_get_or_create = ("username",)

    sso_subject = factory.Sequence(lambda n: f"test-subject-{n:06d}")
    username = factory.LazyAttribute(lambda o: f"sso-{o.sso_subject}")
    personal_id = factory.Sequence(lambda n: f"0011{n:08d}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    email = factory.LazyAttribute(lambda o: f"{o.sso_subject}@example.vn")


class OfficerFactory(DjangoModelFactory):
    """A civil servant; `OfficerFactory(agency=a)` gives them reception, specialist and leader
    roles there (`agency__roles=[...]` for others)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"officer.{n}")
    full_name = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password("pw-officer-123")

    @factory.post_generation
    def agency(obj, create, extracted, **kwargs):
        if create and extracted is not None:
            for role in kwargs.get("roles") or OFFICER_ROLES:
                Membership.objects.get_or_create(user=obj, agency=extracted, role=role)


class DossierFactory(DjangoModelFactory):
    """A dossier as the services leave it, in the state its traits say (see the module)."""

    class Meta:
        model = Dossier

    class Params:
        received = factory.Trait(
            status=Status.RECEIVED,
            received_at=factory.LazyAttribute(lambda o: o.submitted_at + dt.timedelta(hours=1)),
            due_at=factory.LazyAttribute(lambda o: o.received_at + dt.timedelta(days=7)),
        )
        in_processing = factory.Trait(received=True, status=Status.IN_PROCESSING)
        supplement_requested = factory.Trait(
            in_processing=True,
            status=Status.SUPPLEMENT_REQUESTED,
            paused_at=factory.LazyAttribute(lambda o: o.received_at + dt.timedelta(days=1)),
        )
        result_ready = factory.Trait(
            in_processing=True,
            status=Status.RESULT_READY,
            processed_at=factory.LazyAttribute(lambda o: o.received_at + dt.timedelta(days=2)),
            result_number=factory.Sequence(lambda n: f"{n}/2026/KS"),
            delivery_status=DeliveryStatus.READY,
        )
        returned = factory.Trait(
            result_ready=True,
            status=Status.RETURNED,
            returned_at=factory.LazyAttribute(lambda o: o.processed_at + dt.timedelta(hours=2)),
            delivery_status=DeliveryStatus.DELIVERED,
        )
        refused = factory.Trait(
            status=Status.REFUSED,
            processed_at=factory.LazyAttribute(lambda o: o.submitted_at + dt.timedelta(hours=3)),
        )
        overdue = factory.Trait(
            received=True,
            submitted_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=20)),
            due_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1)),
        )

    code = factory.Sequence(lambda n: f"F-{n:07d}")
    procedure_version = factory.LazyFunction(birth_registration_version)
    channel = 2  # online
    applicant = factory.SubFactory(CitizenFactory)
    applicant_name = factory.LazyAttribute(
        lambda o: o.applicant.full_name if o.applicant else "Nguyễn Văn Thử"
    )
    applicant_personal_id = factory.LazyAttribute(
        lambda o: o.applicant.personal_id if o.applicant else ""
    )
    subject_name = "Trần Minh An"
    competent_agency = factory.SubFactory(AgencyFactory)
    receiving_agency = factory.SelfAttribute("competent_agency")
    target_agency = factory.SelfAttribute("competent_agency")
    commune = factory.LazyAttribute(lambda o: o.competent_agency.commune)
    submitted_at = factory.LazyFunction(timezone.now)
    routed_at = factory.SelfAttribute("submitted_at")
    status = Status.SUBMITTED


class DossierEventFactory(DjangoModelFactory):
    """A timeline entry of a dossier (what the services append through `transitions`)."""

    class Meta:
        model = DossierEvent

    dossier = factory.SubFactory(DossierFactory)
    at = factory.LazyFunction(timezone.now)
    action = "submitted"
    to_status = Status.SUBMITTED
