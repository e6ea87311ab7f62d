"""Queues by kind of work (issue 14): a 100,000-row import running on the bulk
worker does not hold up hearing reminders that fall due meanwhile.

Two real `celery worker` processes, as docker-compose.yml runs them: one on
the `bulk` queue only (concurrency 1, like worker-bulk), one on the default,
`email` and `sms` queues. The import is enqueued by the import service in a
process of its own (so it is routed by the settings, like any upload), and the
test plays beat: it publishes the dispatcher's tick to the default queue every
TICK seconds (beat does every 60). An SMTP server in this process notes when
each reminder arrives.
"""

import csv
import datetime as dt
import statistics
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from celery import Celery
from django.core.files import File
from django.utils import timezone

from campaign.models import (
    ActionKind,
    ActionStatus,
    Channel,
    ImportJob,
    Message,
    MessageKind,
    MessageStatus,
    Supporter,
)
from campaign.services.scheduling import reminders_on_hearing_saved
from tests import factories
from tests.integration.conftest import _MESSAGE_ID, BASE_DIR, PYTHON, free_port, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("celery"),
    pytest.mark.django_db(transaction=True),
]

IMPORT_ROWS = 100_000
# Hearings moved to start in 2 hours and a few seconds once the import runs:
# their 2-hour reminders fall due DUE_AFTER seconds later (denser at first, so
# a faster import still overlaps several), PLEDGERS people to remind each.
DUE_AFTER = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0)
PLEDGERS = 5
# At least this many due times must fall while the import is still running,
# or the test proved nothing (a much faster import needs more rows).
OVERLAP_AT_LEAST = 4
TICK = 0.5
# "On time": handed to SMTP within this many seconds of its due time (the
# issue's confirmation target is 5 s at p95; this is every reminder).
MAX_LATE = 5.0


class ArrivalTimes:
    """SMTP handler noting when each outbox message (by its Message-ID) came."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals: dict[int, list[float]] = {}

    async def handle_DATA(self, server, session, envelope):
        arrived = time.time()
        match = _MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.arrivals.setdefault(int(match.group(1)) if match else -1, []).append(arrived)
        return "250 Message accepted for delivery"

    def first(self, ids) -> dict[int, float]:
        with self.lock:
            return {pk: self.arrivals[pk][0] for pk in ids if pk in self.arrivals}


def write_import_file(path: Path, rows: int, run: str) -> None:
    """Groundswell's own columns; every row a new, valid person."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["first_name", "last_name", "email", "phone", "zip_code", "language"])
        for i in range(rows):
            phone = f"(320) {200 + i // 10000:03d}-{i % 10000:04d}" if i % 2 else ""
            writer.writerow(
                [f"Imp{i}", f"Last{i}", f"imp{i}-{run}@import.example.org", phone, "55063", "en"]
            )


def hearings_with_pledgers(campaign) -> list:
    """One hearing per due time, weeks away for now, each with PLEDGERS
    people pledged to attend (email consent, no phone)."""
    hearings = []
    now = timezone.now()
    for _ in DUE_AFTER:
        hearing = factories.HearingFactory(campaign=campaign)
        for _ in range(PLEDGERS):
            factories.ActionFactory(
                supporter=factories.SupporterFactory(email_consent_at=now),
                campaign=campaign,
                hearing=hearing,
                kind=ActionKind.ATTEND_HEARING,
                status=ActionStatus.PLEDGED,
            )
        reminders_on_hearing_saved(hearing=hearing)
        hearings.append(hearing)
    return hearings


def hearings_move_closer(hearings, start: dt.datetime) -> list[Message]:
    """Each hearing now starts 2 hours after start + its DUE_AFTER: the
    reminders service moves its pending 2-hour reminder to that second."""
    for hearing, after in zip(hearings, DUE_AFTER, strict=True):
        hearing.starts_at = start + dt.timedelta(hours=2, seconds=after)
        hearing.save(update_fields=["starts_at", "updated_at"])
        reminders_on_hearing_saved(hearing=hearing)
    return list(
        Message.objects.filter(
            hearing__in=hearings,
            kind=MessageKind.HEARING_2H,
            channel=Channel.EMAIL,
            status=MessageStatus.PENDING,
        ).order_by("scheduled_for", "id")
    )


class BeatStandIn:
    """Publishes the dispatcher's tick to the default queue every TICK s."""

    def __init__(self, broker: str, queue: str):
        self.app = Celery("beat-stand-in", broker=broker, set_as_current=False)
        self.queue = queue
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stopping.wait(TICK):
            self.app.send_task("campaign.messages_dispatch", queue=self.queue, expires=10)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=10)
        self.app.close()


def test_a_large_import_on_the_bulk_worker_does_not_delay_reminders_falling_due(
    integration, tmp_path
):
    env = integration.env
    prefix = env["CELERY_QUEUE_PREFIX"]
    campaign = factories.CampaignFactory()
    run = uuid.uuid4().hex[:8]
    path = tmp_path / "supporters.csv"
    write_import_file(path, IMPORT_ROWS, run)
    hearings = hearings_with_pledgers(campaign)
    job = ImportJob(kind="supporters")
    with path.open("rb") as handle:
        job.file.save(f"queues-{run}.csv", File(handle), save=True)

    handler = ArrivalTimes()
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        email_url = f"smtp://127.0.0.1:{smtp.port}"
        integration.worker("bulk", 1, queues=[f"{prefix}bulk"], EMAIL_URL=email_url)
        integration.worker(
            "messaging",
            2,
            queues=[env["CELERY_QUEUE"], f"{prefix}email", f"{prefix}sms"],
            EMAIL_URL=email_url,
        )
        # Enqueued by the service, in a process of its own: routed to bulk by
        # the settings, not by this test.
        enqueue = subprocess.run(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-c",
                "from campaign.services.imports import import_jobs_enqueue_queued as e; "
                "print('enqueued', e())",
            ],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "enqueued 1" in enqueue.stdout, enqueue.stdout + enqueue.stderr
        wait_for(
            lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING,
            timeout=60,
            what=f"the import claimed by the bulk worker\n{integration.logs()}",
            interval=0.05,
        )
        running_from = time.time()
        reminders = hearings_move_closer(hearings, timezone.now())
        ids = [message.pk for message in reminders]
        assert len(ids) == len(DUE_AFTER) * PLEDGERS

        with BeatStandIn(env["CELERY_BROKER_URL"], env["CELERY_QUEUE"]):
            wait_for(
                lambda: len(handler.first(ids)) == len(ids),
                timeout=DUE_AFTER[-1] + 60,
                what=f"every reminder at SMTP ({len(handler.first(ids))}/{len(ids)})\n"
                f"{integration.logs()}",
            )
            all_arrived = time.time()
            wait_for(
                lambda: ImportJob.objects.get(pk=job.pk).status != ImportJob.Status.RUNNING,
                timeout=300,
                what=f"the import to finish\n{integration.logs()}",
            )
        job.refresh_from_db()
    finally:
        smtp.stop()
        Path(job.file.path).unlink(missing_ok=True)

    arrived = handler.first(ids)
    due = {message.pk: message.scheduled_for.timestamp() for message in reminders}
    lateness = sorted(arrived[pk] - due[pk] for pk in ids)
    finished = job.finished_at.timestamp()
    due_while_running = sorted({due[pk] - running_from for pk in ids if due[pk] < finished})
    import_seconds = finished - running_from
    print(
        f"\n[queues] import on the bulk worker: {job.total_rows} rows, {job.created_rows} "
        f"created, {job.status} in {import_seconds:.1f} s ({job.total_rows / import_seconds:.0f}"
        f" rows/s); {len(ids)} hearing reminders due {DUE_AFTER[0]:g}-{DUE_AFTER[-1]:g} s after"
        f" it started ({len(due_while_running)} of {len(DUE_AFTER)} due times before it"
        f" finished), all at SMTP {all_arrived - running_from:.1f} s after it started; lateness"
        f" p50 {statistics.median(lateness):.2f} s, max {lateness[-1]:.2f} s"
    )
    # The import did its whole job, on its own worker.
    assert (job.status, job.total_rows, job.created_rows, job.errors) == (
        ImportJob.Status.DONE,
        IMPORT_ROWS,
        IMPORT_ROWS,
        [],
    )
    assert Supporter.objects.filter(email__endswith=f"-{run}@import.example.org").count() == (
        IMPORT_ROWS
    )
    # Every reminder went out once, never before its time, and on time,
    # several of them while the import was still running.
    assert {pk: len(handler.arrivals[pk]) for pk in ids} == dict.fromkeys(ids, 1)
    assert len(due_while_running) >= OVERLAP_AT_LEAST
    assert lateness[0] >= 0
    assert lateness[-1] <= MAX_LATE
