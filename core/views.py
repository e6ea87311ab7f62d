"""Project-wide views: health check and friendly error pages."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from kombu import Connection

from core import db_router

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health check: database unreachable")
        return False


def _broker_ok() -> bool:
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("health check: broker unreachable", exc_info=True)
        return False


def healthz(request):
    """200 while the database answers; the broker's state is reported, because
    sign-ups and logging keep working without it (reminders wait in the outbox).
    With a read replica, its state and lag are reported too, and a warning when
    dashboard reads have gone back to the primary (still 200: nothing fails)."""
    database = _database_ok()
    broker = _broker_ok()
    body = {
        "status": "ok" if database else "error",
        "database": "ok" if database else "error",
        "broker": "ok" if broker else "error",
    }
    if db_router.replica_configured():
        replica = db_router.check_replica(with_bytes=database)
        body["replica"] = replica.as_dict()
        if not replica.usable:
            body["warnings"] = [f"read replica {replica.state}: dashboard reads go to the primary"]
    return JsonResponse(body, status=200 if database else 503)


def ratelimited(request, exception=None):
    return render(request, "errors/429.html", status=429)


def payload_too_large(request):
    return render(request, "errors/413.html", status=413)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
