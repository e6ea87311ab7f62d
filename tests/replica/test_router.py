"""The router, the read-your-writes pin and the view decorator, without a
second server (the replica's answers are stubbed; test_streaming_replica.py
runs the real thing)."""

import json
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.models import Session
from django.core.exceptions import MiddlewareNotUsed
from django.db import OperationalError, router, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from campaign.models import Action
from core import db_router
from core.db_router import (
    PIN_COOKIE,
    PrimaryReplicaRouter,
    ReadYourWritesMiddleware,
    ReplicaStatus,
    reading_from_replica,
)

ROUTER = PrimaryReplicaRouter()


@pytest.fixture
def replica_up():
    with mock.patch("core.db_router.replica_usable", return_value=True):
        yield


@pytest.fixture
def with_replica():
    with mock.patch("core.db_router.replica_configured", return_value=True):
        yield


def test_without_a_replica_nothing_is_routed(settings):
    # No DATABASE_REPLICA_URL: no router, and the scope changes nothing.
    assert settings.DATABASE_ROUTERS == []
    with reading_from_replica():
        assert router.db_for_read(Action) == "default"
    with pytest.raises(MiddlewareNotUsed):
        ReadYourWritesMiddleware(lambda request: HttpResponse())


def test_only_reads_inside_the_scope_go_to_the_replica(replica_up):
    assert ROUTER.db_for_read(Action) == "default"
    with reading_from_replica():
        assert ROUTER.db_for_read(Action) == "replica"
        assert ROUTER.db_for_write(Action) == "default"
        # Sessions are written at sign-in and read right after.
        assert ROUTER.db_for_read(Session) == "default"
    assert ROUTER.db_for_read(Action) == "default"


@pytest.mark.django_db
def test_a_read_inside_a_primary_transaction_stays_on_the_primary(replica_up):
    with reading_from_replica(), transaction.atomic():
        assert ROUTER.db_for_read(Action) == "default"


def test_an_unusable_replica_is_not_read():
    with (
        mock.patch("core.db_router.replica_usable", return_value=False),
        reading_from_replica(),
    ):
        assert ROUTER.db_for_read(Action) == "default"


def test_migrations_run_on_the_primary_only():
    assert ROUTER.allow_migrate("default", "campaign") is True
    assert ROUTER.allow_migrate("replica", "campaign") is False


def test_the_last_check_is_trusted_for_the_configured_seconds(settings):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60
    db_router.forget_replica_status()
    try:
        with mock.patch(
            "core.db_router.check_replica", side_effect=lambda: _remember(ReplicaStatus("ok"))
        ) as check:
            assert db_router.replica_usable() is True
            assert db_router.replica_usable() is True
        assert check.call_count == 1
    finally:
        db_router.forget_replica_status()


def _remember(status):
    db_router._last = (db_router.time.monotonic(), status)
    return status


def _request(method="get", user=None, cookies=None):
    request = getattr(RequestFactory(), method)("/dashboard/")
    request.user = user or AnonymousUser()
    request.COOKIES.update(cookies or {})
    return request


def _recording(seen: list):
    """A view that notes whether its reads are pinned to the primary."""

    def view(request):
        seen.append(db_router._pinned.get())
        return HttpResponse()

    return view


def test_a_signed_in_users_successful_write_pins_their_reads(with_replica, settings):
    settings.DATABASE_REPLICA_PIN_SECONDS = 10
    coordinator = User(username="coordinator")
    middleware = ReadYourWritesMiddleware(lambda request: HttpResponse(status=302))
    response = middleware(_request("post", coordinator))
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 10
    assert cookie["httponly"] is True
    # Their next request reads from the primary.
    seen = []
    reader = ReadYourWritesMiddleware(_recording(seen))
    reader(_request("get", coordinator, {PIN_COOKIE: cookie.value}))
    assert seen == [True]


def test_no_pin_for_reads_failures_or_anonymous_posts(with_replica):
    coordinator = User(username="coordinator")
    ok = ReadYourWritesMiddleware(lambda request: HttpResponse())
    refused = ReadYourWritesMiddleware(lambda request: HttpResponse(status=400))
    assert PIN_COOKIE not in ok(_request("get", coordinator)).cookies
    assert PIN_COOKIE not in refused(_request("post", coordinator)).cookies
    assert PIN_COOKIE not in ok(_request("post")).cookies


def test_a_forged_or_stale_pin_is_ignored(with_replica, settings):
    seen = []
    reader = ReadYourWritesMiddleware(_recording(seen))
    reader(_request("get", cookies={PIN_COOKIE: "1"}))
    settings.DATABASE_REPLICA_PIN_SECONDS = 10
    writer = ReadYourWritesMiddleware(lambda request: HttpResponse(status=302))
    with mock.patch("django.core.signing.time.time", return_value=1_000_000):
        stale = writer(_request("post", User(username="c"))).cookies[PIN_COOKIE].value
    reader(_request("get", cookies={PIN_COOKIE: stale}))
    assert seen == [False, False]


def test_a_streamed_export_reads_its_rows_in_the_views_scope(with_replica):
    @reading_from_replica()
    def view(request):
        # Evaluated while the body is sent, after the view has returned.
        return StreamingHttpResponse(str(db_router._replica_wanted.get()) for _ in range(2))

    response = view(_request())
    assert db_router._replica_wanted.get() is False
    assert b"".join(response.streaming_content) == b"TrueTrue"


def test_a_view_whose_replica_fails_runs_again_on_the_primary(with_replica):
    calls = []

    @reading_from_replica()
    def view(request):
        calls.append(db_router._pinned.get())
        if len(calls) == 1:
            raise OperationalError("connection to server at 127.0.0.1 failed")
        return HttpResponse("from the primary")

    with mock.patch("core.db_router.check_replica", return_value=ReplicaStatus("down")):
        response = view(_request())
    assert response.content == b"from the primary"
    # The second run reads from the primary whatever the router last heard.
    assert calls == [False, True]


def test_a_query_cancelled_by_replay_runs_again_on_the_primary(with_replica):
    calls = []

    @reading_from_replica()
    def view(request):
        calls.append(db_router._pinned.get())
        if len(calls) == 1:
            raise OperationalError(
                "canceling statement due to conflict with recovery\n"
                "DETAIL: User query might have needed to see row versions that must be removed."
            )
        return HttpResponse("from the primary")

    with mock.patch("core.db_router.check_replica", return_value=ReplicaStatus("ok")):
        response = view(_request())
    assert response.content == b"from the primary"
    assert calls == [False, True]


def test_a_write_is_never_run_twice(with_replica):
    calls = []

    @reading_from_replica()
    def view(request):
        calls.append(request.method)
        raise OperationalError("connection to server at 127.0.0.1 failed")

    with (
        mock.patch("core.db_router.check_replica", return_value=ReplicaStatus("down")),
        pytest.raises(OperationalError),
    ):
        view(_request("post"))
    assert calls == ["POST"]


def test_a_failure_with_the_replica_up_is_not_retried(with_replica):
    @reading_from_replica()
    def view(request):
        raise OperationalError("something else")

    with (
        mock.patch("core.db_router.check_replica", return_value=ReplicaStatus("ok")),
        pytest.raises(OperationalError),
    ):
        view(_request())


@pytest.mark.django_db
def test_healthz_warns_when_the_replica_is_down(client, with_replica):
    with (
        mock.patch("core.views._broker_ok", return_value=True),
        mock.patch(
            "core.db_router.check_replica",
            return_value=ReplicaStatus("down", error="connection refused"),
        ),
    ):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "replica": {"state": "down", "error": "connection refused"},
        "warnings": ["read replica down: dashboard reads go to the primary"],
    }
