import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from campaign.models import Position, Stance
from campaign.services.stances import stance_record
from tests import factories

pytestmark = pytest.mark.django_db


def test_votes_to_win_defaults_to_a_majority_of_seats():
    campaign = factories.CampaignFactory(decision_body__seats=7)
    assert campaign.votes_to_win == 4


def test_votes_to_win_uses_the_number_set_for_the_campaign():
    campaign = factories.CampaignFactory(decision_body__seats=7, votes_needed=5)
    assert campaign.votes_to_win == 5


def test_spanish_text_falls_back_to_english_when_empty():
    campaign = factories.CampaignFactory(call_script="Call now", call_script_es="")
    assert campaign.localized("call_script", "es") == "Call now"


def test_spanish_text_is_used_when_written():
    campaign = factories.CampaignFactory(call_script="Call now", call_script_es="Llame ya")
    assert campaign.localized("call_script", "es") == "Llame ya"
    assert campaign.localized("call_script", "en") == "Call now"


def test_asks_must_be_known_action_kinds():
    campaign = factories.CampaignFactory.build(
        decision_body=factories.DecisionBodyFactory(), asks=["call", "dance"]
    )
    with pytest.raises(ValidationError) as error:
        campaign.full_clean()
    assert error.value.message_dict == {"asks": ["Unknown action kinds: dance"]}


def test_public_campaigns_are_active_and_public():
    shown = factories.CampaignFactory(status="active", is_public=True)
    factories.CampaignFactory(status="draft", is_public=True)
    factories.CampaignFactory(status="active", is_public=False)
    assert list(type(shown).objects.public()) == [shown]


def test_stance_history_keeps_every_entry_and_the_latest_is_current(pine_county):
    campaign, member = pine_county["campaign"], pine_county["members"][0]
    start = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC)
    stance_record(campaign=campaign, member=member, position=Position.UNDECIDED, at=start)
    stance_record(
        campaign=campaign,
        member=member,
        position=Position.LEANING_YES,
        note="After the parks tour",
        at=start + dt.timedelta(days=7),
    )
    history = list(Stance.objects.filter(campaign=campaign, member=member))
    assert [s.position for s in history] == [Position.LEANING_YES, Position.UNDECIDED]
    assert history[0].note == "After the parks tour"


def test_a_stance_for_a_member_of_another_body_is_refused(pine_county):
    outsider = factories.CouncilMemberFactory()
    with pytest.raises(ValidationError) as error:
        stance_record(campaign=pine_county["campaign"], member=outsider, position=Position.YES)
    assert error.value.message_dict == {
        "member": ["This member does not sit on the body this campaign targets."]
    }
    assert Stance.objects.count() == 0
