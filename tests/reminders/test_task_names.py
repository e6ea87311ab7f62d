"""Services enqueue Celery tasks by name (campaign.tasks imports the services,
never the reverse), so each name is a contract: with the worker, the beat
schedule and the messages already queued when a new version is deployed."""

from unittest import mock

import pytest

from campaign.services import imports, outbox
from core import celery_app
from tests.reminders.conftest import make_supporter

# The names in use since the tasks were first deployed.
TASK_NAMES = {
    "campaign.messages_dispatch",
    "campaign.messages_send",
    "campaign.digest_queue",
    "campaign.import_job_run",
    "campaign.signups_process_received",
    "campaign.broadcasts_queue_due",
    "campaign.privacy_retention_run",
    "campaign.webhooks_dispatch",
}


def test_every_task_name_is_registered_by_autodiscovery(settings):
    # What a worker does at start-up: import each installed app's tasks module.
    celery_app.loader.import_default_modules()
    enqueued = {outbox.MESSAGES_SEND_TASK, imports.IMPORT_JOB_RUN_TASK}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert enqueued | scheduled == TASK_NAMES
    assert set(celery_app.tasks) >= TASK_NAMES


@pytest.mark.django_db
def test_the_dispatcher_publishes_the_send_task_by_name(campaign):
    from campaign.services.scheduling import reminders_on_signup

    reminders_on_signup(supporter=make_supporter(), campaign=campaign, pledges=[])
    with mock.patch.object(celery_app, "send_task") as send_task:
        result = outbox.messages_dispatch()
    [(ids, claim)] = result.claims
    send_task.assert_called_once_with("campaign.messages_send", args=(ids, claim))


@pytest.mark.django_db
def test_an_import_job_is_enqueued_by_name():
    with mock.patch.object(celery_app, "send_task") as send_task:
        imports._enqueue(42)
    send_task.assert_called_once_with("campaign.import_job_run", args=(42,))
