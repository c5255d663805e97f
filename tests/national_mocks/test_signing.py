"""Unit tests of the shared request-signing scheme (no server)."""

import hashlib
import hmac

import pytest

import request_signing as signing

CLIENTS = {"portal": "s3cret", "other": "another:secret"}
NOW = 1_800_000_000


def _verify(headers, *, method="GET", path="/x", body=b"", now=NOW, cache=None, clients=CLIENTS):
    return signing.verify(
        method=method,
        path=path,
        headers=headers,
        body=body,
        clients=clients,
        nonce_cache=cache,
        now=now,
    )


def _headers(**overrides):
    params = {
        "client_id": "portal",
        "secret": "s3cret",
        "method": "GET",
        "path": "/x",
        "body": b"",
        "timestamp": NOW,
        "nonce": "n-1",
    }
    params.update(overrides)
    return signing.sign_headers(**params)


def test_signature_is_hmac_sha256_over_the_documented_string():
    headers = _headers(method="post", path="/a?b=1", body=b'{"k": 1}')
    message = "\n".join(
        ["POST", "/a?b=1", str(NOW), "n-1", hashlib.sha256(b'{"k": 1}').hexdigest()]
    )
    expected = hmac.new(b"s3cret", message.encode(), hashlib.sha256).hexdigest()
    assert headers == {
        "X-Client-Id": "portal",
        "X-Timestamp": str(NOW),
        "X-Nonce": "n-1",
        "X-Signature": expected,
    }
    assert signing.body_digest(b"") == hashlib.sha256(b"").hexdigest()


def test_round_trip_returns_the_client_id():
    assert _verify(_headers()) == "portal"
    assert _verify(_headers(client_id="other", secret="another:secret")) == "other"


def test_generated_nonces_and_timestamps_differ_per_call():
    first = signing.sign_headers(client_id="portal", secret="s3cret", method="GET", path="/x")
    second = signing.sign_headers(client_id="portal", secret="s3cret", method="GET", path="/x")
    assert first["X-Nonce"] != second["X-Nonce"]
    assert len(first["X-Nonce"]) >= 16


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"path": "/y"}, signing.BAD_SIGNATURE),
        ({"path": "/x?extra=1"}, signing.BAD_SIGNATURE),
        ({"method": "POST"}, signing.BAD_SIGNATURE),
        ({"body": b"tampered"}, signing.BAD_SIGNATURE),
        ({"now": NOW + 301}, signing.STALE_TIMESTAMP),
        ({"now": NOW - 301}, signing.STALE_TIMESTAMP),
    ],
)
def test_changed_request_is_refused(change, reason):
    with pytest.raises(signing.SignatureError) as excinfo:
        _verify(_headers(), **change)
    assert excinfo.value.reason == reason


def test_skew_of_exactly_the_limit_is_accepted():
    assert _verify(_headers(), now=NOW + 300) == "portal"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, signing.MISSING_SIGNATURE),
        ({**_headers(), "X-Signature": ""}, signing.MISSING_SIGNATURE),
        ({**_headers(), "X-Nonce": "n" * 129}, signing.MISSING_SIGNATURE),
        (_headers(client_id="stranger"), signing.UNKNOWN_CLIENT),
        (_headers(secret="wrong"), signing.BAD_SIGNATURE),
        ({**_headers(), "X-Timestamp": "yesterday"}, signing.STALE_TIMESTAMP),
    ],
)
def test_bad_headers_are_refused(headers, reason):
    with pytest.raises(signing.SignatureError) as excinfo:
        _verify(headers)
    assert excinfo.value.reason == reason


def test_lowercase_header_names_are_accepted():
    headers = {k.lower(): v for k, v in _headers().items()}
    assert _verify(headers) == "portal"


def test_replayed_nonce_is_refused_but_other_clients_nonces_are_independent():
    cache = signing.NonceCache(ttl_seconds=600)
    assert _verify(_headers(), cache=cache) == "portal"
    with pytest.raises(signing.SignatureError) as excinfo:
        _verify(_headers(), cache=cache)
    assert excinfo.value.reason == signing.REPLAYED_NONCE
    assert _verify(_headers(client_id="other", secret="another:secret"), cache=cache) == "other"


def test_bad_signature_does_not_burn_the_nonce():
    cache = signing.NonceCache(ttl_seconds=600)
    with pytest.raises(signing.SignatureError):
        _verify(_headers(secret="wrong"), cache=cache)
    assert _verify(_headers(), cache=cache) == "portal"


def test_nonce_cache_forgets_after_ttl_and_stays_bounded():
    cache = signing.NonceCache(ttl_seconds=10, max_entries=3)
    assert cache.add("a", now=0)
    assert not cache.add("a", now=9)
    assert cache.add("a", now=11)
    for key in "bcd":
        assert cache.add(key, now=12)
    assert len(cache._seen) == 3


def test_parse_clients():
    assert signing.parse_clients(" a:x , b:y:z ,") == {"a": "x", "b": "y:z"}
    with pytest.raises(ValueError, match="id:secret"):
        signing.parse_clients("no-secret")
