"""Reads that may be a second stale go to a streaming read replica.

With DATABASE_REPLICA_URL set, settings add a `replica` alias and install
PrimaryReplicaRouter. Code opts in: the dashboard pages, reports and exports
run inside `reading_from_replica()`, and only their reads move. Everything else
(every write, sign-in, sessions, forms that write) stays on `default`, the
primary. A read inside the scope still goes to the primary when

- the user wrote something in the last DATABASE_REPLICA_PIN_SECONDS (read your
  own writes: ReadYourWritesMiddleware sets a signed cookie on a signed-in
  user's successful POST, so the coordinator who just logged a call sees it on
  the next page even if the replica is a moment behind);
- a transaction is open on the primary (its reads must see its own writes);
- the replica is down, not in recovery, or more than
  DATABASE_REPLICA_MAX_LAG_SECONDS behind: the last check is kept for
  DATABASE_REPLICA_CHECK_SECONDS per process, and a failure logs a warning
  (and shows in /healthz).

Without a replica nothing here is installed but the context manager, which
sets a context variable and nothing reads it.
"""

import contextlib
import contextvars
import logging
import threading
import time
from dataclasses import asdict, dataclass
from functools import wraps

from django.conf import settings
from django.core import signing
from django.core.exceptions import MiddlewareNotUsed
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "gs_primary"
_PIN_SALT = "core.db_router.pin"
# Never read from the replica, whatever the scope: a session or a lockout
# written a moment ago on the primary must be found.
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes", "otp_static", "otp_totp"})

_replica_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "gs_replica_wanted", default=False
)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "gs_pinned_to_primary", default=False
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


# ---------------------------------------------------------------------------
# Health of the replica
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplicaStatus:
    """state: "ok", "lagging" (further behind than allowed), "down"
    (unreachable), "not_in_recovery" (promoted or misconfigured: not a replica
    of this primary any more) or "absent" (no replica configured)."""

    state: str
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    error: str = ""

    @property
    def usable(self) -> bool:
        return self.state == "ok"

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value not in (None, "")}


# Seconds since the last replayed commit, 0 while everything received is
# replayed (an idle primary sends nothing, and the replica is not behind).
_REPLICA_STATE_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
            THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
       END,
       pg_last_wal_replay_lsn()::text
"""

_lock = threading.Lock()
_last: tuple[float, ReplicaStatus] | None = None  # (monotonic time, status)


def _close_quietly(alias: str) -> None:
    # A broken connection may fail to close; it is dropped either way.
    with contextlib.suppress(Exception):
        connections[alias].close()


def check_replica(*, with_bytes: bool = False) -> ReplicaStatus:
    """Asks the replica now (one query), and the primary too for the lag in
    bytes when `with_bytes`. The result is also what the router uses until
    the next check."""
    global _last
    if not replica_configured():
        return ReplicaStatus("absent")
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_REPLICA_STATE_SQL)
            in_recovery, lag_seconds, replay_lsn = cursor.fetchone()
    except DatabaseError as error:
        _close_quietly(REPLICA)
        status = ReplicaStatus("down", error=str(error).strip().splitlines()[0][:200])
    else:
        lag_seconds = round(float(lag_seconds), 3)
        lag_bytes = _lag_bytes(replay_lsn) if with_bytes and in_recovery else None
        if not in_recovery:
            state = "not_in_recovery"
        elif lag_seconds > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
            state = "lagging"
        else:
            state = "ok"
        status = ReplicaStatus(state, lag_seconds=lag_seconds, lag_bytes=lag_bytes)
    previous = _last[1] if _last else None
    if not status.usable and (previous is None or previous.usable):
        logger.warning(
            "read replica %s (%s): dashboard reads go to the primary",
            status.state,
            status.error or f"{status.lag_seconds} s behind",
        )
    elif status.usable and previous is not None and not previous.usable:
        logger.warning("read replica is back: dashboard reads go to it again")
    with _lock:
        _last = (time.monotonic(), status)
    return status


def _lag_bytes(replay_lsn: str | None) -> int | None:
    """WAL the primary has written that the replica has not replayed."""
    if replay_lsn is None or connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return None
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [replay_lsn])
            return max(int(cursor.fetchone()[0]), 0)
    except DatabaseError:
        return None


def replica_usable() -> bool:
    """The last check, redone when older than DATABASE_REPLICA_CHECK_SECONDS."""
    last = _last
    if last is not None and time.monotonic() - last[0] < settings.DATABASE_REPLICA_CHECK_SECONDS:
        return last[1].usable
    return check_replica().usable


def forget_replica_status() -> None:
    """The next read checks the replica again (tests, and after a failure)."""
    global _last
    with _lock:
        _last = None


# ---------------------------------------------------------------------------
# The router
# ---------------------------------------------------------------------------


class PrimaryReplicaRouter:
    """Installed only when a replica is configured (settings.DATABASE_ROUTERS)."""

    def db_for_read(self, model, **hints):
        if (
            _replica_wanted.get()
            and not _pinned.get()
            and model._meta.app_label not in PRIMARY_ONLY_APPS
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
            and replica_usable()
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: the same rows on both.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class reading_from_replica:
    """Reads inside may go to the replica.

        with reading_from_replica():
            numbers = selectors.pressure(campaign, date_range)

    or on a read-only view (GET), `@reading_from_replica()`: the view's reads,
    and the rows a streamed response (a CSV export) reads after the view has
    returned, may come from the replica. If the replica fails during the
    view, it is marked down and the view runs again on the primary."""

    def __enter__(self):
        self._token = _replica_wanted.set(True)
        return self

    def __exit__(self, *exc_info):
        _replica_wanted.reset(self._token)
        return False

    def __call__(self, view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            with reading_from_replica():
                try:
                    return _run(view, request, args, kwargs)
                except (OperationalError, InterfaceError) as error:
                    # Only a read-only request is safe to run twice, and only
                    # when the replica is at fault: it stopped answering, or
                    # it cancelled the query to replay WAL (a long export
                    # with hot_standby_feedback off).
                    if request.method not in ("GET", "HEAD") or not (
                        _recovery_conflict(error) or not check_replica().usable
                    ):
                        raise
                    logger.warning("read replica failed a read, read again from the primary")
                    token = _pinned.set(True)
                    try:
                        return _run(view, request, args, kwargs)
                    finally:
                        _pinned.reset(token)

        return wrapped


def _run(view, request, args, kwargs):
    response = view(request, *args, **kwargs)
    if getattr(response, "streaming", False) and replica_configured():
        # The rows are read while the server sends the body, after the scope
        # has ended: read them in a copy of it.
        response.streaming_content = _iterate_in(
            contextvars.copy_context(), response.streaming_content
        )
    return response


def _recovery_conflict(error: Exception) -> bool:
    return "conflict with recovery" in str(error)


class _iterate_in:
    """An iterator that runs each step of `iterable` inside `context`."""

    def __init__(self, context: contextvars.Context, iterable):
        self.context = context
        self.iterator = iter(iterable)

    def __iter__(self):
        return self

    def __next__(self):
        return self.context.run(next, self.iterator)

    def close(self):
        close = getattr(self.iterator, "close", None)
        if close is not None:
            self.context.run(close)


# ---------------------------------------------------------------------------
# Read your own writes
# ---------------------------------------------------------------------------


class ReadYourWritesMiddleware:
    """After a signed-in user's successful write (a POST, PUT, PATCH or
    DELETE answered below 400), their reads go to the primary for
    DATABASE_REPLICA_PIN_SECONDS: a signed cookie holds the time of the write.
    Without a replica Django drops this middleware at start-up. Its cost per
    request: a dict look-up; an HMAC when the cookie is present and on each
    write by a signed-in user."""

    def __init__(self, get_response):
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        pinned = PIN_COOKIE in request.COOKIES and self._pinned(request)
        token = _pinned.set(pinned)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if (
            request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
            and response.status_code < 400
            and request.user.is_authenticated
        ):
            seconds = settings.DATABASE_REPLICA_PIN_SECONDS
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=_PIN_SALT,
                max_age=max(int(seconds), 1),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def _pinned(request) -> bool:
        try:
            request.get_signed_cookie(
                PIN_COOKIE, salt=_PIN_SALT, max_age=settings.DATABASE_REPLICA_PIN_SECONDS
            )
        except (KeyError, signing.BadSignature):
            return False
        return True
