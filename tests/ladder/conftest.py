"""A crafted base for the volunteer ladder (share links, recruiting, depth).

In the Pine County campaign:
- Rosa Alvarez recruited Ann (2 days ago) and Bo (3 days ago): her first
  recruits, both recent. Rosa: 2 completed actions.
- Sam Brooks recruited Cy (20 days ago) and Fay (1 day ago). Sam: none.
- Ann: 3 completed actions. Bo: 1 completed, 1 still pledged. Cy: 2
  completed. Fay: none. Dee (came on her own): 1 completed, 1 cancelled.
In another campaign Rosa recruited Eve (today), who completed 4 actions
there: none of it counts for Pine County.

Expected for Pine County (all dates): base 7; depth 0: Sam, Fay (2);
1: Bo, Dee (2); 2: Rosa, Cy (2); 3+: Ann (1); repeat actors 3; recruiters
2; recruited 4; actions by recruited people 3 + 1 + 2 = 6; recruited
someone in the last 7 days: Rosa and Sam (2); first recruit in the last
7 days: Rosa (1); top recruiters: Rosa Alvarez 2, Sam Brooks 2.
"""

import datetime as dt

import pytest
from django.utils import timezone

from campaign.models import ActionKind, ActionStatus, Supporter
from campaign.services.intake import memberships_record
from tests import factories

COMPLETED = ActionStatus.COMPLETED


def person(first: str, last: str) -> Supporter:
    return factories.SupporterFactory(
        first_name=first, last_name=last, email=f"{first.lower()}@example.org", zip_code="55072"
    )


def join(campaign, supporter, *, days_ago: int, recruited_by: Supporter | None = None) -> None:
    memberships_record(
        pairs=[(campaign.pk, supporter.pk)],
        source="public_form",
        at=timezone.now() - dt.timedelta(days=days_ago),
        recruited_by_id=recruited_by.pk if recruited_by else None,
    )


def act(campaign, supporter, n: int, status=COMPLETED) -> None:
    for index in range(n):
        factories.ActionFactory(
            campaign=campaign,
            supporter=supporter,
            kind=[ActionKind.CALL, ActionKind.LETTER, ActionKind.EMAIL, ActionKind.PETITION][
                index % 4
            ],
            status=status,
        )


@pytest.fixture
def ladder(pine_county):
    campaign = pine_county["campaign"]
    other = factories.CampaignFactory(decision_body=pine_county["body"], slug="other-campaign")
    rosa, sam = person("Rosa", "Alvarez"), person("Sam", "Brooks")
    ann, bo, cy = person("Ann", "Carter"), person("Bo", "Diaz"), person("Cy", "Evans")
    fay, dee, eve = person("Fay", "Garcia"), person("Dee", "Hill"), person("Eve", "Irwin")
    join(campaign, rosa, days_ago=30)
    join(campaign, sam, days_ago=30)
    join(campaign, dee, days_ago=10)
    join(campaign, ann, days_ago=2, recruited_by=rosa)
    join(campaign, bo, days_ago=3, recruited_by=rosa)
    join(campaign, cy, days_ago=20, recruited_by=sam)
    join(campaign, fay, days_ago=1, recruited_by=sam)
    join(other, rosa, days_ago=30)
    join(other, eve, days_ago=0, recruited_by=rosa)
    act(campaign, rosa, 2)
    act(campaign, ann, 3)
    act(campaign, bo, 1)
    act(campaign, bo, 1, status=ActionStatus.PLEDGED)
    act(campaign, cy, 2)
    act(campaign, dee, 1)
    factories.ActionFactory(
        campaign=campaign, supporter=dee, kind=ActionKind.MEETING, status=ActionStatus.CANCELLED
    )
    act(other, eve, 4)
    return {
        **pine_county,
        "other": other,
        "people": {p.first_name: p for p in (rosa, sam, ann, bo, cy, fay, dee, eve)},
    }
