"""One definition of a member's current stance (campaign.selectors_common):
the whip count, the overview's votes secured, the public page's figure and
the demo's check all read the same latest row, as of the same moment."""

import datetime as dt

import pytest
from django.utils import timezone

from campaign import selectors, selectors_public
from campaign.models import Position
from campaign.selectors_common import current_positions
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def stances(pine_county):
    campaign = pine_county["campaign"]
    m1, m2, m3 = pine_county["members"]
    now = timezone.now()
    last_week = now - dt.timedelta(days=7)

    def stance(member, position, at):
        return factories.StanceFactory(
            campaign=campaign, member=member, position=position, recorded_at=at
        )

    # Member 1 said yes last week and no today.
    stance(m1, Position.YES, last_week)
    stance(m1, Position.NO, now)
    # Member 2: two entries at the same moment; the one added last counts.
    stance(m2, Position.LEANING_YES, last_week)
    stance(m2, Position.CHAMPION, last_week)
    # Member 3: nothing recorded. A retired member's yes counts nowhere.
    retired = factories.CouncilMemberFactory(
        body=pine_county["body"], district=pine_county["districts"][2], active=False
    )
    stance(retired, Position.YES, now)
    return {"campaign": campaign, "members": (m1, m2, m3), "last_week": last_week}


def test_every_reader_sees_the_same_current_stances(stances):
    campaign = stances["campaign"]
    m1, m2, m3 = stances["members"]
    expected = {m1.pk: Position.NO, m2.pk: Position.CHAMPION, m3.pk: Position.UNKNOWN}
    assert current_positions(campaign) == expected
    assert selectors_public.campaign_current_positions(campaign=campaign) == expected
    whip = selectors.whip_count(campaign)
    assert {member.pk: member.position for member in whip.members} == expected
    # Votes secured: member 2 only, on every page.
    [overview] = [c for c in selectors.campaigns_overview() if c.pk == campaign.pk]
    assert whip.secured == overview.secured_count == 1
    campaign.public_counts_from = 0  # the public page shows its counters from the first supporter
    assert selectors_public.campaign_public_progress(campaign=campaign).votes_secured == 1


def test_a_date_range_reads_the_stances_as_of_its_end(stances):
    campaign = stances["campaign"]
    m1, m2, m3 = stances["members"]
    end = timezone.localdate(stances["last_week"])
    date_range = selectors.DateRange(end=end)
    expected = {m1.pk: Position.YES, m2.pk: Position.CHAMPION, m3.pk: Position.UNKNOWN}
    assert current_positions(campaign, before=date_range.end_before) == expected
    whip = selectors.whip_count(campaign, date_range)
    assert {member.pk: member.position for member in whip.members} == expected
    assert whip.secured == 2
