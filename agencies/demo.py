"""Demo data: officers of two communes and an administrator (citizens come from the mock SSO)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import User

from .models import Agency, AgencyKind, Membership, OfficerRole

DEMO_PASSWORD = "demo-officer-2026"  # noqa: S105  (published demo credential)
ADMIN_PASSWORD = "demo-admin-2026"  # noqa: S105

# The second factor of every demo officer and of the admin: a TOTP secret published in the
# README so that anyone can add it to an authenticator app (or run `manage.py demo_otp`).
# Demo only: real officers enrol their own app at their first sign-in.
DEMO_OTP_SECRET = "DEMOSECRETFORTHEPORTALONLY234567"  # noqa: S105  (base32, published)
DEMO_OTP_DEVICE_NAME = "demo"


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


def demo_otp_key_hex() -> str:
    return base64.b32decode(DEMO_OTP_SECRET).hex()


def demo_otp_device_create(user: User) -> TOTPDevice:
    device, _created = TOTPDevice.objects.update_or_create(
        user=user,
        name=DEMO_OTP_DEVICE_NAME,
        defaults={"key": demo_otp_key_hex(), "confirmed": True},
    )
    return device


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
        demo_otp_device_create(user)
        users.append(user)
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"full_name": "Quản trị hệ thống", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(ADMIN_PASSWORD)
        admin.save()
    demo_otp_device_create(admin)
    users.append(admin)
    return users
