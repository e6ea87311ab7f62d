"""Shared by the bulk log and import tests: the outbox rows a pledge gets,
compared with what the quick log gives for the same pledge."""

import uuid

from django.urls import reverse
from django.utils import timezone

from campaign.models import ActionStatus, Message, Supporter


def reachable(pine_county, count: int, start: int = 0) -> list[Supporter]:
    """People of district 1 who agreed to emails and texts."""
    now = timezone.now()
    return [
        Supporter.objects.create(
            first_name=f"Reach{n}",
            email=f"reach{n}@example.org",
            phone=f"+1612558{n:04d}",
            zip_code="55007",
            district=pine_county["districts"][0],
            email_consent_at=now,
            sms_consent_at=now,
        )
        for n in range(start, start + count)
    ]


def outbox_rows(supporter: Supporter) -> list[tuple]:
    """(kind, channel, scheduled for) of every message queued for the supporter."""
    return sorted(
        Message.objects.filter(supporter=supporter).values_list("kind", "channel", "scheduled_for")
    )


def quick_log_pledge(client, *, campaign, supporter, kind, hearing=None):
    """A coordinator logs a pledge through the quick log page."""
    response = client.post(
        f"{reverse('dashboard:log', args=[campaign.slug])}?supporter={supporter.pk}",
        {
            "supporter": supporter.pk,
            "kind": kind,
            "status": ActionStatus.PLEDGED,
            "hearing": hearing.pk if hearing else "",
            "target": "",
            "note": "",
            "token": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response
