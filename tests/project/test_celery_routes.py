"""Which queue each task goes to (core/settings.py CELERY_TASK_ROUTES)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import campaign.tasks  # noqa: F401 - registers the tasks by name
from core import celery_app

ROOT = Path(__file__).resolve().parents[2]

# The whole table: a new task must be given a queue here on purpose (the
# default queue is where beat's ticks wait, so nothing long belongs there).
EXPECTED = {
    "campaign.broadcasts_queue_due": "celery",
    "campaign.digest_queue": "celery",
    "campaign.import_job_run": "bulk",
    "campaign.messages_dispatch": "celery",
    "campaign.messages_send": "email",
    "campaign.messages_send_email": "email",
    "campaign.messages_send_sms": "sms",
    "campaign.privacy_retention_run": "bulk",
    "campaign.rollups_reconcile": "bulk",
    "campaign.signups_process_received": "celery",
    "campaign.webhooks_dispatch": "webhooks",
}


def _queue_of(name: str):
    return celery_app.amqp.router.route({}, name)["queue"]


def test_every_task_goes_to_the_queue_of_its_kind_of_work():
    from django.conf import settings

    names = {name for name in celery_app.tasks if name.startswith("campaign.")}
    names |= set(settings.CELERY_TASK_ROUTES)
    assert {name: _queue_of(name).name for name in sorted(names)} == EXPECTED


def test_a_task_published_by_name_follows_the_same_routes():
    # Services enqueue by name (send_task), never by importing the task.
    from campaign.services.imports import IMPORT_JOB_RUN_TASK
    from campaign.services.outbox import MESSAGES_SEND_TASK

    assert _queue_of(IMPORT_JOB_RUN_TASK).name == "bulk"
    assert _queue_of(MESSAGES_SEND_TASK).name == "email"


def test_each_queue_has_its_own_exchange_and_routing_key():
    # Queues sharing the default exchange and key would each get a copy of
    # every task published to it.
    queues = celery_app.amqp.queues
    assert list(queues) == ["celery", "email", "sms", "bulk", "webhooks"]
    for name, queue in queues.items():
        assert (queue.exchange.name, queue.exchange.type, queue.routing_key) == (
            name,
            "direct",
            name,
        )
    assert celery_app.conf.task_default_queue == "celery"


def test_the_prefix_renames_every_queue_and_route():
    # What keeps test runs (or two deployments) on one Redis apart.
    script = (
        "import json; from core import settings as s; print(json.dumps("
        "{'queues': [q.name for q in s.CELERY_TASK_QUEUES],"
        " 'routes': {k: v['queue'] for k, v in s.CELERY_TASK_ROUTES.items()}}))"
    )
    env = {**os.environ, "CELERY_QUEUE_PREFIX": "t1-", "CELERY_QUEUE": "t1-celery"}
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    output = done.stdout
    found = json.loads(output.strip().splitlines()[-1])
    assert found["queues"] == ["t1-celery", "t1-email", "t1-sms", "t1-bulk", "t1-webhooks"]
    assert found["routes"] == {
        name: f"t1-{queue}" for name, queue in EXPECTED.items() if queue != "celery"
    }
