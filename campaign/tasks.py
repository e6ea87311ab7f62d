"""Celery tasks: thin wrappers that take ids and call one service.

Services never import this module: they enqueue by task name (e.g.
`outbox.MESSAGES_SEND_TASK`), so a task's `name=` is its contract with the
services, the beat schedule (core/settings.py) and messages already queued.
"""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as KombuOperationalError

from campaign.models import Channel
from campaign.services import digest, imports, outbox, signup, webhooks

# ---------------------------------------------------------------------------
# Supporter imports (benchmarks/imports issue) -- owned by the imports helper.
# ---------------------------------------------------------------------------


# A job is claimed before it runs, so a redelivered task does nothing; a
# 100,000-row file takes seconds, the limit leaves room for far larger ones.
@shared_task(name=imports.IMPORT_JOB_RUN_TASK, time_limit=840, soft_time_limit=780)
def import_job_run_task(job_id: int) -> None:
    imports.import_job_run(job_id=job_id)


# ---------------------------------------------------------------------------
# End of the supporter imports block.
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Reminders and the outbox (reminders issue) -- owned by the reminders helper.
# ---------------------------------------------------------------------------

# Errors worth retrying the *task* for: the database or broker briefly away.
# A failed send is not one of them: it is recorded on the row, and the row's
# backoff (not a countdown in the broker) decides when it is tried again.
_INFRASTRUCTURE_ERRORS = (DatabaseOperationalError, InterfaceError, KombuOperationalError)


@shared_task(
    name=outbox.MESSAGES_DISPATCH_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=120,
    soft_time_limit=100,
)
def messages_dispatch_task() -> None:
    """Beat, every minute, and soon after a commit that queued a message due
    now (outbox.messages_dispatch_soon): claim due rows, publish their sends."""
    outbox.messages_dispatch()


# Idempotent (a row is sent only while it carries this claim and no attempt
# has started), so a redelivery after a lost worker is harmless.
_SEND_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "autoretry_for": _INFRASTRUCTURE_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
    "time_limit": settings.MESSAGE_SEND_TIME_LIMIT,
    "soft_time_limit": settings.MESSAGE_SEND_TIME_LIMIT - 40,
}


# One task name per channel, so each is routed to its queue (email, sms:
# settings.CELERY_TASK_ROUTES); the dispatcher publishes them.
@shared_task(name=outbox.MESSAGES_SEND_TASKS[Channel.EMAIL], **_SEND_OPTIONS)
def messages_send_email_task(message_ids: list[int], claim: str) -> None:
    outbox.messages_send(ids=message_ids, claim=claim)


@shared_task(name=outbox.MESSAGES_SEND_TASKS[Channel.SMS], **_SEND_OPTIONS)
def messages_send_sms_task(message_ids: list[int], claim: str) -> None:
    outbox.messages_send(ids=message_ids, claim=claim)


# The name before the split by channel: tasks of it still queued at a deploy.
@shared_task(name=outbox.MESSAGES_SEND_TASK, **_SEND_OPTIONS)
def messages_send_task(message_ids: list[int], claim: str) -> None:
    outbox.messages_send(ids=message_ids, claim=claim)


@shared_task(name="campaign.signups_process_received", acks_late=True, ignore_result=True)
def signups_process_received_task() -> None:
    """Beat, every minute: apply sign-ups the web process received but did
    not get to apply (it died between its answer and the work)."""
    signup.signups_process_received()


@shared_task(name="campaign.digest_queue", acks_late=True, ignore_result=True)
def digest_queue_task() -> None:
    """Beat, daily: queue the coordinators' digest (sent by the dispatcher)."""
    digest.digest_queue()


# ---------------------------------------------------------------------------
# End of the reminders block.
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Broadcasts (issue 11) -- owned by the broadcasts helper.
# ---------------------------------------------------------------------------


@shared_task(name="campaign.broadcasts_queue_due", acks_late=True, ignore_result=True)
def broadcasts_queue_due_task() -> None:
    """Beat, every minute: queue scheduled broadcasts whose time came (each
    is queued once: its status moves to queued in the same transaction)."""
    from campaign.services import broadcasts

    broadcasts.broadcasts_queue_due()


# ---------------------------------------------------------------------------
# Privacy (issue 12) -- owned by the rights helper.
# ---------------------------------------------------------------------------


@shared_task(name="campaign.privacy_retention_run", acks_late=True, ignore_result=True)
def privacy_retention_run_task() -> None:
    """Beat, daily: delete or clear what is kept no longer than the RETAIN_*
    settings say, and flag long-inactive supporters for review."""
    from campaign.services import privacy

    privacy.privacy_retention_run()


# ---------------------------------------------------------------------------
# Dashboard rollups (issue 14).
# ---------------------------------------------------------------------------


@shared_task(name="campaign.rollups_reconcile", acks_late=True, ignore_result=True)
def rollups_reconcile_task() -> None:
    """Beat, nightly: recount the dashboard rollups, log and repair any
    difference (the triggers keep them; this is the safety net)."""
    from campaign.services import rollups

    rollups.reconcile(repair=True)


# ---------------------------------------------------------------------------
# Outbound webhooks (issue 13).
# ---------------------------------------------------------------------------


# Each row is claimed by a conditional UPDATE before its POST, so a second
# run (or a redelivery) never sends a row twice. 20 rows x 10 s fit the limit.
@shared_task(
    name="campaign.webhooks_dispatch",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=300,
    soft_time_limit=280,
)
def webhooks_dispatch_task() -> None:
    """Beat, every minute: POST the due webhook deliveries."""
    webhooks.webhooks_dispatch()
