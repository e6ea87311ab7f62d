"""Services enqueue Celery tasks by name (campaign.tasks imports the services,
never the reverse), so each name is a contract: with the worker, the beat
schedule and the messages already queued when a new version is deployed."""

from unittest import mock

import pytest

from campaign.models import Channel, Message
from campaign.services import imports, outbox
from core import celery_app
from tests.reminders.conftest import make_supporter

# The names in use since the tasks were first deployed.
TASK_NAMES = {
    "campaign.messages_dispatch",
    "campaign.messages_send",
    # Since the queues by kind of work (issue 14): one send task per channel.
    "campaign.messages_send_email",
    "campaign.messages_send_sms",
    "campaign.digest_queue",
    "campaign.import_job_run",
    "campaign.signups_process_received",
    "campaign.broadcasts_queue_due",
    "campaign.privacy_retention_run",
    "campaign.webhooks_dispatch",
    # Nightly recount of the dashboard rollups (issue 14).
    "campaign.rollups_reconcile",
}


def test_every_task_name_is_registered_by_autodiscovery(settings):
    # What a worker does at start-up: import each installed app's tasks module.
    celery_app.loader.import_default_modules()
    enqueued = {
        outbox.MESSAGES_SEND_TASK,
        *outbox.MESSAGES_SEND_TASKS.values(),
        outbox.MESSAGES_DISPATCH_TASK,
        imports.IMPORT_JOB_RUN_TASK,
    }
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert enqueued | scheduled == TASK_NAMES
    assert set(celery_app.tasks) >= TASK_NAMES


@pytest.mark.django_db
def test_the_dispatcher_publishes_one_send_task_name_per_channel(campaign):
    from campaign.services.scheduling import reminders_on_signup

    supporter = make_supporter(sms_consent=True)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
    email, text = (
        Message.objects.get(supporter=supporter, channel=channel)
        for channel in (Channel.EMAIL, Channel.SMS)
    )
    with mock.patch.object(celery_app, "send_task") as send_task:
        result = outbox.messages_dispatch()
    claim = result.claims[0][1]
    assert result.claims == [([email.pk], claim), ([text.pk], claim)]
    assert send_task.call_args_list == [
        mock.call("campaign.messages_send_email", args=([email.pk], claim)),
        mock.call("campaign.messages_send_sms", args=([text.pk], claim)),
    ]


@pytest.mark.django_db
def test_an_import_job_is_enqueued_by_name():
    with mock.patch.object(celery_app, "send_task") as send_task:
        imports._enqueue(42)
    send_task.assert_called_once_with("campaign.import_job_run", args=(42,))
