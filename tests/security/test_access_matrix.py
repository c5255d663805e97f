"""The access matrix as a test: every route of the URL configuration (pages and API), tried
by every principal, with the exact answer each must get (tests/security/matrix.py).

A route without an entry fails `test_every_route_has_an_entry`; its message says where to
add one. The world (tests/security/world.py) is built once per module, in a transaction
rolled back at its end; each case runs in a savepoint within it, so what a case changes is
undone before the next.

Matrix size (when written): the URL configuration has 232 patterns, 150 of them the Django
admin's (one rule, 9 probes) and 82 others: 77 route names, DRF's `.json` variants sharing
their route's entry. 128 probes (method x address, 1 to 5 per route) x 17 principals = 2,176,
less 1 not tried (it would file a complaint) = 2,175 cases, about a minute and a half of CPU
(`-n 2`: two worlds of ~8 s each, built once per worker).
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from interop.models import ApiScope

from . import matrix
from .matrix import ADMIN_PREFIX, PRINCIPALS, ROUTES, Probe, Redirect
from .world import ALL_SCOPES, World


def url_patterns() -> list[tuple[str | None, str]]:
    """(namespaced name, route) of every pattern of the URL configuration."""
    found: list[tuple[str | None, str]] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = pattern.name
                if name and namespace:
                    name = f"{namespace}:{name}"
                found.append((name, prefix + str(pattern.pattern)))

    walk(get_resolver().url_patterns, "", None)
    return found


@pytest.mark.django_db
def test_the_database_is_set_up_for_the_matrix():
    """pytest-django creates only the test databases that marked tests ask for, and the
    matrix's cases are not marked (see `case`): this one asks for the default database
    (first in the module, so it runs before the world is built on its worker)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


CASES = [
    pytest.param(name, probe, principal, id=f"{name}[{i} {probe.method}]-{principal}")
    for name, i, probe in matrix.probes()
    for principal in PRINCIPALS
    if probe.expect[principal] is not matrix.NOT_TRIED
]


# --- every route has an entry ----------------------------------------------------------------


def test_every_route_has_an_entry():
    """Every route but the admin's (one rule, ADMIN_PROBES) has its entry, found by the
    route's namespaced name (DRF's `.json` variants share their route's), or by its pattern
    when it has no name."""
    entries = {r.name for r in ROUTES}
    missing = sorted(
        f"{name or '(no name)'}  (pattern {route!r})"
        for name, route in url_patterns()
        if not route.startswith(ADMIN_PREFIX) and name not in entries and route not in entries
    )
    assert not missing, (
        "These routes have no entry in the access matrix. Add one to ROUTES in "
        "tests/security/matrix.py (its name, the probes to send and what every principal "
        "must get):\n  " + "\n  ".join(missing)
    )


def test_every_entry_is_a_route():
    known = {key for name, route in url_patterns() for key in (name, route) if key}
    stale = sorted(r.name for r in ROUTES if r.name not in known)
    assert not stale, f"Entries of tests/security/matrix.py for no route: {stale}"
    twice = [name for name, count in Counter(r.name for r in ROUTES).items() if count > 1]
    assert not twice, f"Routes with two entries in tests/security/matrix.py: {twice}"
    assert all(r.probes for r in ROUTES)


def test_probe_addresses_are_their_routes(case):
    world = case
    for name, _i, probe in matrix.probes():
        path = urlsplit(probe.url(world)).path
        match = resolve(path)
        if name == "admin":
            assert match.namespace == "admin", path
        else:
            assert match.view_name == name, f"{name}: {path} resolves to {match.view_name}"


# --- the matrix ----------------------------------------------------------------------------------


def client_for(world: World, principal: str, probe: Probe) -> Client:
    headers = {}
    if principal.startswith("system"):
        agency = world.agency_bd if principal == "system_other_agency" else world.agency_hk
        scopes = ALL_SCOPES
        if principal == "system_no_scope":
            scopes = tuple(s for s in ALL_SCOPES if s != probe.scope)
        headers["Authorization"] = f"Api-Key {world.key(agency, scopes)}"
    client = Client(headers=headers)
    user = world.users[principal]
    if user is not None:
        client.force_login(user)
        if world.verified[principal]:  # the code step, as tests/conftest.py's officer_login
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
            session.save()
    return client


def send(client: Client, probe: Probe, url: str, world: World):
    if probe.method != "POST":
        return client.generic(probe.method, url)
    body = probe.body(world)
    if probe.json:
        return client.post(url, body or {}, content_type="application/json")
    return client.post(url, body or {})


def close_quietly(response) -> None:
    """Close a response (a file it streams) as the test client does: without the
    request_finished handler that closes the database connection inside a transaction
    (a no-op on SQLite's in-memory database, the end of the world's transaction on
    PostgreSQL)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def describe(response) -> str:
    location = response.get("Location", "")
    return f"{response.status_code}" + (f" -> {location}" if location else "")


def check(expected, response, world: World, tried: str) -> str | None:
    """None when the response is what was expected, else what is wrong."""
    if isinstance(expected, int):
        return None if response.status_code == expected else f"expected {expected}"
    assert isinstance(expected, Redirect)
    if response.status_code != 302:
        return f"expected {expected}"
    location = response["Location"]
    target = expected.target(world)
    if expected.prefix:
        return None if location.startswith(target) else f"expected {expected} ({target}...)"
    got, want = urlsplit(location), urlsplit(target)
    if got.path != want.path or (want.query and got.query != want.query):
        return f"expected {expected} ({target})"
    if expected.next and parse_qs(got.query).get("next") != [tried]:
        return f"expected {expected}: ?next={tried}"
    return None


@pytest.mark.parametrize(("name", "probe", "principal"), CASES)
def test_access(case, name, probe, principal):
    world = case
    url = probe.url(world)
    client = client_for(world, principal, probe)
    response = send(client, probe, url, world)
    try:
        problem = check(probe.expect[principal], response, world, url)
        about = f" ({probe.note})" if probe.note else ""
        assert problem is None, (
            f"{principal} {probe.method} {url}{about}: {describe(response)}, {problem}"
        )
        if probe.secret and response.status_code == 200 and not response.streaming:
            secret = probe.secret(world)
            shown = secret in response.content.decode(errors="replace")
            if principal in probe.may_see:  # the text is one that this page shows
                assert shown, f"{principal} {probe.method} {url} does not show {secret!r}"
            else:
                assert not shown, f"{principal} {probe.method} {url} shows {secret!r}"
    finally:
        close_quietly(response)


def test_the_scopes_the_matrix_knows_are_the_api_scopes():
    assert set(ALL_SCOPES) == set(ApiScope.values)
    assert {p.scope for _n, _i, p in matrix.probes()} <= set(ApiScope.values)
