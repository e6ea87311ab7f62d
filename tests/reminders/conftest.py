"""Fixtures for the reminder tests: supporters with consent, a campaign with
an upcoming hearing, and a publisher that records instead of using a broker."""

import datetime as dt
import itertools
import zoneinfo

import pytest
from django.utils import timezone

from campaign import sms
from campaign.models import ActionKind, ActionStatus
from tests import factories

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
_phones = itertools.count(1000)


@pytest.fixture(autouse=True)
def _reminder_settings(settings):
    settings.SMS_BACKEND = "locmem"
    settings.SITE_URL = "https://groundswell.example.org"
    settings.TIME_ZONE = "America/Chicago"
    settings.PLEDGE_FOLLOWUP_DAYS = 3
    settings.QUIET_HOURS_START = "20:00"
    settings.QUIET_HOURS_END = "09:00"
    settings.MESSAGE_RETRY_BASE_SECONDS = 60
    settings.MESSAGE_MAX_ATTEMPTS = 3
    settings.MESSAGE_SEND_CHUNK = 20
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def make_supporter(*, email=True, sms_consent=False, language="en", **extra):
    now = timezone.now()
    return factories.SupporterFactory(
        email_consent_at=now if email else None,
        email_consent_source="test" if email else "",
        phone=f"+1612555{next(_phones):04d}" if sms_consent or extra.pop("phone", False) else None,
        sms_consent_at=now if sms_consent else None,
        language=language,
        **extra,
    )


def pledge(supporter, campaign, kind=ActionKind.CALL, **extra):
    return factories.ActionFactory(
        supporter=supporter, campaign=campaign, kind=kind, status=ActionStatus.PLEDGED, **extra
    )


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHICAGO)


class Recorder:
    """Stands in for the broker: records what the dispatcher publishes."""

    def __init__(self, fail_after: int | None = None):
        self.calls: list[tuple[list[int], str]] = []
        self.fail_after = fail_after

    def __call__(self, ids, claim):
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise ConnectionRefusedError("broker down")
        self.calls.append((list(ids), claim))


@pytest.fixture
def campaign(pine_county):
    return pine_county["campaign"]
