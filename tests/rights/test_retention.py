"""The daily retention pass: exactly what is cleared or deleted, and what stays."""

import datetime as dt
import os

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from campaign.models import (
    ImportJob,
    InboundSms,
    Message,
    MessageKind,
    MessageStatus,
    PendingSignup,
    Supporter,
    SupporterLink,
    token_digest,
)
from campaign.services.privacy import REVIEW_INACTIVE_TAG, privacy_retention_run
from campaign.tasks import privacy_retention_run_task
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture(autouse=True)
def _retention(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.RETAIN_MESSAGE_DETAILS_DAYS = 90
    settings.RETAIN_IMPORT_FILES_DAYS = 30
    settings.RETAIN_IMPORT_PREVIEW_HOURS = 24
    settings.RETAIN_LOGIN_RECORDS_DAYS = 90
    settings.RETAIN_INBOUND_SMS_DAYS = 400
    settings.REVIEW_INACTIVE_MONTHS = 24
    settings.PUBLIC_TOKEN_MAX_AGE_DAYS = 365
    settings.SIGNUP_CONFIRM_MAX_AGE_DAYS = 7


def run():
    with time_machine.travel(NOW, tick=False):
        return privacy_retention_run()


def _message(key, status, scheduled_days_ago):
    return Message.objects.create(
        supporter=factories.SupporterFactory(),
        channel="email",
        kind=MessageKind.PLEDGE_FOLLOWUP,
        status=status,
        scheduled_for=days_ago(scheduled_days_ago),
        dedupe_key=key,
        context={"pledge_ids": [1]},
        provider_message_id=f"provider-{key}",
        last_error=f"error-{key}",
    )


def test_message_details_are_cleared_after_ninety_days_for_finished_rows():
    for status in (MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.CANCELLED):
        _message(f"old-{status}", status, 91)
    _message("old-suppressed", MessageStatus.SUPPRESSED, 91)
    _message("recent-sent", MessageStatus.SENT, 89)
    _message("old-pending", MessageStatus.PENDING, 91)
    assert run().messages_cleared == 4
    kept = {
        m.dedupe_key: (m.context, m.provider_message_id, m.last_error)
        for m in Message.objects.all()
    }
    assert kept == {
        "old-sent": ({}, "", ""),
        "old-failed": ({}, "", ""),
        "old-cancelled": ({}, "", ""),
        "old-suppressed": ({}, "", ""),
        "recent-sent": ({"pledge_ids": [1]}, "provider-recent-sent", "error-recent-sent"),
        "old-pending": ({"pledge_ids": [1]}, "provider-old-pending", "error-old-pending"),
    }
    # Kind, status and dates stay: the outbox figures still count them.
    assert Message.objects.get(dedupe_key="old-sent").status == MessageStatus.SENT
    assert run().messages_cleared == 0


def _job(name, status, finished_days_ago):
    job = ImportJob(status=status, finished_at=days_ago(finished_days_ago))
    job.file.save(name, ContentFile(b"first_name,email\nAna,ana@example.org\n"), save=True)
    return job


def _age(path: str, days: float) -> None:
    stamp = days_ago(days).timestamp()
    os.utime(default_storage.path(path), (stamp, stamp))


def test_import_files_go_thirty_days_after_their_job_finished():
    old = _job("old.csv", ImportJob.Status.DONE, 31)
    failed = _job("failed.csv", ImportJob.Status.FAILED, 31)
    recent = _job("recent.csv", ImportJob.Status.DONE, 29)
    running = _job("running.csv", ImportJob.Status.RUNNING, 40)
    orphan = default_storage.save("imports/orphan.csv", ContentFile(b"x"))
    fresh_orphan = default_storage.save("imports/fresh-orphan.csv", ContentFile(b"x"))
    for path in (old.file.name, failed.file.name, recent.file.name, running.file.name, orphan):
        _age(path, 40)
    _age(fresh_orphan, 1)
    assert run().import_files_deleted == 3
    assert sorted(default_storage.listdir("imports")[1]) == [
        "fresh-orphan.csv",
        "recent.csv",
        "running.csv",
    ]
    assert sorted(ImportJob.objects.values_list("file", flat=True)) == [
        "",
        "",
        "imports/recent.csv",
        "imports/running.csv",
    ]


def test_admin_import_previews_older_than_a_day_go():
    old = default_storage.save("django-import-export/abc123", ContentFile(b"x"))
    new = default_storage.save("django-import-export/def456", ContentFile(b"x"))
    _age(old, 1.5)
    _age(new, 0.5)
    assert run().import_previews_deleted == 1
    assert default_storage.listdir("django-import-export")[1] == ["def456"]


def test_the_admin_import_preview_is_stored_where_retention_looks(settings):
    from import_export.tmp_storages import MediaStorage

    assert settings.IMPORT_EXPORT_TMP_STORAGE_CLASS == "import_export.tmp_storages.MediaStorage"
    storage = MediaStorage()
    storage.save(b"first_name\nAna\n")
    assert default_storage.listdir("django-import-export")[1] == [storage.name]


def test_login_records_go_after_ninety_days():
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        for username, age in (("old", 91), ("recent", 89)):
            extra = {"failures_since_start": 1} if model is AccessAttempt else {}
            row = model.objects.create(
                username=username, ip_address="203.0.113.9", user_agent="test", **extra
            )
            model.objects.filter(pk=row.pk).update(attempt_time=days_ago(age))
    assert run().login_records_deleted == 3
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert list(model.objects.values_list("username", flat=True)) == ["recent"]


def _link(supporter, name, purpose, *, created_days_ago=1, revoked=False):
    return SupporterLink.objects.create(
        supporter=supporter,
        purpose=purpose,
        token_hash=token_digest(name),
        created_at=days_ago(created_days_ago),
        revoked_at=days_ago(0.5) if revoked else None,
    )


def test_dead_personal_links_go_and_share_links_stay():
    supporter = factories.SupporterFactory()
    purpose = SupporterLink.Purpose
    _link(supporter, "revoked-action", purpose.ACTION_PAGE, revoked=True)
    _link(supporter, "expired-unsubscribe", purpose.UNSUBSCRIBE, created_days_ago=366)
    _link(supporter, "live-action", purpose.ACTION_PAGE)
    _link(supporter, "live-unsubscribe", purpose.UNSUBSCRIBE, created_days_ago=364)
    _link(supporter, "revoked-share", purpose.SHARE, revoked=True)
    assert run().links_deleted == 2
    assert sorted(SupporterLink.objects.values_list("token_hash", flat=True)) == sorted(
        token_digest(name) for name in ("live-action", "live-unsubscribe", "revoked-share")
    )


def test_used_and_expired_held_signups_go():
    supporter = factories.SupporterFactory()
    campaign = factories.CampaignFactory()

    def held(name, created_days_ago, confirmed=False):
        PendingSignup.objects.create(
            campaign=campaign,
            supporter=supporter,
            payload={"first_name": name},
            token_hash=token_digest(name),
            created_at=days_ago(created_days_ago),
            confirmed_at=days_ago(0) if confirmed else None,
        )

    held("confirmed", 1, confirmed=True)
    held("expired", 8)
    held("waiting", 6)
    assert run().pending_signups_deleted == 2
    assert list(PendingSignup.objects.values_list("payload__first_name", flat=True)) == ["waiting"]


def test_inbound_text_ids_go_after_four_hundred_days():
    InboundSms.objects.create(provider_message_id="SM-old", received_at=days_ago(401))
    InboundSms.objects.create(provider_message_id="SM-recent", received_at=days_ago(399))
    assert run().inbound_sms_deleted == 1
    assert list(InboundSms.objects.values_list("provider_message_id", flat=True)) == ["SM-recent"]


def _supporter(name, *, updated_days_ago):
    supporter = factories.SupporterFactory(first_name=name)
    Supporter.objects.filter(pk=supporter.pk).update(
        created_at=days_ago(updated_days_ago), updated_at=days_ago(updated_days_ago)
    )
    return supporter


def _flagged() -> list[str]:
    return sorted(
        Supporter.objects.filter(tags__name=REVIEW_INACTIVE_TAG).values_list(
            "first_name", flat=True
        )
    )


def test_supporters_inactive_for_two_years_are_flagged_never_deleted():
    _supporter("Dormant", updated_days_ago=800)
    _supporter("Recent", updated_days_ago=100)
    acted = _supporter("Acted", updated_days_ago=800)
    action = factories.ActionFactory(supporter=acted, joins_base=False)
    type(action).objects.filter(pk=action.pk).update(updated_at=days_ago(30))
    erased = _supporter("Erased", updated_days_ago=800)
    Supporter.objects.filter(pk=erased.pk).update(erased_at=days_ago(800))
    result = run()
    assert (result.flagged_inactive, result.unflagged_active) == (1, 0)
    assert _flagged() == ["Dormant"]
    assert Supporter.objects.count() == 4
    # Flagging twice adds nothing.
    assert run().flagged_inactive == 0


def test_a_flagged_supporter_active_again_loses_the_flag():
    dormant = _supporter("Dormant", updated_days_ago=800)
    run()
    Supporter.objects.filter(pk=dormant.pk).update(updated_at=days_ago(1))
    assert run().unflagged_active == 1
    assert _flagged() == []


def test_the_beat_task_runs_the_pass():
    InboundSms.objects.create(provider_message_id="SM-old", received_at=days_ago(401))
    with time_machine.travel(NOW, tick=False):
        privacy_retention_run_task.apply()
    assert not InboundSms.objects.exists()
