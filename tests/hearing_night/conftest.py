"""Hearing night: a campaign with two hearings, one tonight (started an hour
ago) and one in six weeks with four speaking slots."""

import datetime as dt

import pytest
from django.utils import timezone

from campaign.models import ActionKind, ActionStatus, Hearing
from campaign.services.intake import action_record
from tests import factories


@pytest.fixture
def campaign(pine_county):
    return pine_county["campaign"]


@pytest.fixture
def upcoming(campaign):
    """Six weeks out, four speaking slots."""
    return factories.HearingFactory(
        campaign=campaign,
        title="Public hearing on the parks ordinance",
        title_es="Audiencia pública sobre la ordenanza de parques",
        starts_at=timezone.now() + dt.timedelta(days=42),
        speaker_slots=4,
    )


@pytest.fixture
def tonight(campaign):
    """Started an hour ago: people speak, attend and check in."""
    return factories.HearingFactory(
        campaign=campaign,
        title="Board meeting tonight",
        starts_at=timezone.now() - dt.timedelta(hours=1),
    )


def start_now(hearing) -> None:
    """The hearing starts: it began an hour ago (pledges were made before)."""
    hearing.starts_at = timezone.now() - dt.timedelta(hours=1)
    Hearing.objects.filter(pk=hearing.pk).update(starts_at=hearing.starts_at)


def person(n: int, **fields):
    return factories.SupporterFactory(
        first_name=fields.pop("first_name", f"Speaker{n}"),
        last_name=fields.pop("last_name", f"Number{n}"),
        email=f"speaker{n}@example.org",
        **fields,
    )


def pledge(supporter, hearing, kind=ActionKind.TESTIMONY_IN_PERSON):
    """A pledge through the intake core, as any path makes it."""
    action, _created = action_record(
        supporter=supporter,
        campaign=hearing.campaign,
        kind=kind,
        status=ActionStatus.PLEDGED,
        source="public_form",
        hearing=hearing,
    )
    return action


@pytest.fixture
def night(campaign):
    """Three speakers (the first also pledged to attend) and one written
    testimony pledger, who pledged while the hearing was upcoming; it began
    an hour ago."""
    hearing = factories.HearingFactory(
        campaign=campaign,
        title="Board meeting tonight",
        starts_at=timezone.now() + dt.timedelta(days=1),
    )
    speakers = [person(n) for n in (1, 2, 3)]
    actions = [pledge(s, hearing) for s in speakers]
    writer = person(4)
    written = pledge(writer, hearing, ActionKind.WRITTEN_TESTIMONY)
    attend = pledge(speakers[0], hearing, ActionKind.ATTEND_HEARING)
    start_now(hearing)
    return {
        "hearing": hearing,
        "speakers": speakers,
        "actions": actions,
        "writer": writer,
        "written": written,
        "attend": attend,
    }
