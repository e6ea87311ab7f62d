"""A phone bank on the small Pine County (`pine_county`): eight people with a
phone in the campaign's base, two callers, one hearing.

People (last names sort in this order): Ana Alvarez (district 1, Spanish,
open pledge to attend), then Ben Baker .. Hal Hughes (districts 1-3 in turn,
English). Ana comes first on the list (open pledge), then the rest by name.
The hearing: 13 May 2031, 18:30 in the coalition's time zone."""

import datetime as dt

import pytest
from django.utils import timezone

from campaign.models import ActionKind, ActionStatus, Language, Membership
from tests import factories

NAMES = [
    ("Ana", "Alvarez"),
    ("Ben", "Baker"),
    ("Cy", "Cole"),
    ("Dee", "Diaz"),
    ("Eve", "Evans"),
    ("Fay", "Ford"),
    ("Gus", "Gray"),
    ("Hal", "Hughes"),
]


@pytest.fixture
def phone_bank(pine_county):
    campaign = pine_county["campaign"]
    districts = pine_county["districts"]
    hearing = factories.HearingFactory(
        campaign=campaign,
        starts_at=timezone.make_aware(dt.datetime(2031, 5, 13, 18, 30)),
    )
    people = []
    for n, (first, last) in enumerate(NAMES):
        supporter = factories.SupporterFactory(
            first_name=first,
            last_name=last,
            email=f"{first.lower()}@example.org",
            phone=f"+1612555{n:04d}",
            district=districts[n % 3],
            language=Language.SPANISH if n == 0 else Language.ENGLISH,
        )
        Membership.objects.create(campaign=campaign, supporter=supporter, source="import")
        people.append(supporter)
    factories.ActionFactory(
        campaign=campaign,
        supporter=people[0],
        kind=ActionKind.ATTEND_HEARING,
        status=ActionStatus.PLEDGED,
        hearing=hearing,
    )
    return {**pine_county, "hearing": hearing, "people": people}


@pytest.fixture
def second_caller(db):
    return factories.CoordinatorFactory(username="second", first_name="Rosa")
