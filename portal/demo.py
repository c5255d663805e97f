"""Demo data: officers of two communes and an administrator (citizens come from the mock SSO)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from agencies.models import Agency, AgencyKind, Membership, OfficerRole

from .models import User

DEMO_PASSWORD = "demo-officer-2026"  # noqa: S105  (published demo credential)
ADMIN_PASSWORD = "demo-admin-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoOfficer:
    username: str
    full_name: str
    commune: str
    province: str
    roles: tuple[str, ...]


DEMO_OFFICERS = (
    DemoOfficer(
        "hoankiem.canbo",
        "Đỗ Thu Trang",
        "Phường Hoàn Kiếm",
        "Thành phố Hà Nội",
        (OfficerRole.RECEPTION, OfficerRole.SPECIALIST),
    ),
    DemoOfficer(
        "hoankiem.lanhdao",
        "Bùi Quang Huy",
        "Phường Hoàn Kiếm",
        "Thành phố Hà Nội",
        (OfficerRole.LEADER,),
    ),
    DemoOfficer(
        "badinh.canbo",
        "Ngô Minh Châu",
        "Phường Ba Đình",
        "Thành phố Hà Nội",
        (OfficerRole.RECEPTION, OfficerRole.SPECIALIST, OfficerRole.LEADER),
    ),
)


def commune_committee(*, commune: str, province: str) -> Agency:
    return Agency.objects.get(
        kind=AgencyKind.COMMUNE_COMMITTEE, commune__name=commune, commune__province__name=province
    )


@transaction.atomic
def demo_users_create() -> list[User]:
    users = []
    for spec in DEMO_OFFICERS:
        user, created = User.objects.get_or_create(
            username=spec.username, defaults={"full_name": spec.full_name}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        agency = commune_committee(commune=spec.commune, province=spec.province)
        for role in spec.roles:
            Membership.objects.get_or_create(user=user, agency=agency, role=role)
        users.append(user)
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"full_name": "Quản trị hệ thống", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(ADMIN_PASSWORD)
        admin.save()
    users.append(admin)
    return users
