"""campaign.services.signup.signup_submit: the rules of one sign-up."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from campaign.models import (
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    Channel,
    ConsentEvent,
    Supporter,
)
from campaign.services import signup as signup_module
from campaign.services.signup import NON_CONSTITUENT_TAG, signup_submit
from tests import factories

pytestmark = pytest.mark.django_db


def submit(campaign, **overrides):
    arguments = {
        "campaign": campaign,
        "first_name": "Ana",
        "last_name": "Gómez",
        "email": "Ana.Gomez@Example.org",
        "phone": "",
        "zip_code": "55072",
        "language": "es",
        "sector": "parents",
        "asks": [ActionKind.CALL],
        "email_updates": False,
        "sms_reminders": False,
    }
    arguments.update(overrides)
    return signup_submit(**arguments)


def test_it_creates_the_supporter_with_normalised_contacts(campaign, pine_county):
    result = submit(campaign, phone="(612) 555-0123")
    supporter = Supporter.objects.get()
    assert result.created is True
    assert result.supporter == supporter
    assert (supporter.email, supporter.phone) == ("ana.gomez@example.org", "+16125550123")
    assert (supporter.first_name, supporter.last_name) == ("Ana", "Gómez")
    assert (supporter.language, supporter.sector, supporter.zip_code) == ("es", "parents", "55072")
    assert supporter.district == pine_county["districts"][2]


def test_it_finds_a_known_email_whatever_its_case(campaign):
    known = factories.SupporterFactory(email="ana.gomez@example.org", first_name="Anita")
    result = submit(campaign, email="  ANA.GOMEZ@example.ORG ")
    assert Supporter.objects.count() == 1
    assert result.created is False
    assert result.supporter.pk == known.pk
    known.refresh_from_db()
    assert known.first_name == "Ana"


def test_it_finds_a_known_phone_when_the_email_is_new(campaign):
    known = factories.SupporterFactory(email=None, phone="+16125550123")
    result = submit(campaign, email="new@example.org", phone="612-555-0123")
    assert Supporter.objects.count() == 1
    known.refresh_from_db()
    assert result.supporter.pk == known.pk
    assert known.email == "new@example.org"


def test_it_never_erases_what_was_known(campaign):
    known = factories.SupporterFactory(
        email="ana.gomez@example.org",
        last_name="Gómez",
        sector="parents",
        street_address="12 Elm St",
        phone="+16125550123",
    )
    submit(campaign, last_name="", sector="", phone="")
    known.refresh_from_db()
    assert (known.last_name, known.sector, known.street_address, known.phone) == (
        "Gómez",
        "parents",
        "12 Elm St",
        "+16125550123",
    )


def test_it_records_only_the_consents_that_were_ticked(campaign):
    submit(
        campaign, email_updates=True, sms_reminders=False, phone="612-555-0123", email_wording="W"
    )
    supporter = Supporter.objects.get()
    event = ConsentEvent.objects.get()
    assert (event.channel, event.kind, event.source, event.campaign, event.wording) == (
        Channel.EMAIL,
        ConsentEvent.Kind.GRANTED,
        "public_form:parks-alcohol-ordinance",
        campaign,
        "W",
    )
    assert supporter.email_consent_at == event.occurred_at
    assert supporter.sms_consent_at is None


def test_it_records_no_consent_when_nothing_was_ticked(campaign):
    submit(campaign)
    supporter = Supporter.objects.get()
    assert ConsentEvent.objects.count() == 0
    assert (supporter.email_consent_at, supporter.sms_consent_at) == (None, None)


def test_it_records_sms_consent_with_its_wording(campaign):
    submit(campaign, sms_reminders=True, phone="612-555-0123", sms_wording="Reply STOP")
    event = ConsentEvent.objects.get()
    assert (event.channel, event.wording) == (Channel.SMS, "Reply STOP")
    assert Supporter.objects.get().sms_consent_source == "public_form:parks-alcohol-ordinance"


def test_it_pledges_one_action_per_ticked_ask_aimed_at_the_district_member(
    campaign, pine_county, hearing
):
    result = submit(
        campaign,
        asks=[ActionKind.CALL, ActionKind.WRITTEN_TESTIMONY, ActionKind.PHONE_BANK],
    )
    member3 = pine_county["members"][2]
    rows = list(
        Action.objects.order_by("kind").values_list(
            "kind", "status", "source", "target", "hearing", "due_date"
        )
    )
    assert rows == [
        ("call", ActionStatus.PLEDGED, ActionSource.PUBLIC_FORM, member3.pk, None, None),
        ("phone_bank", ActionStatus.PLEDGED, ActionSource.PUBLIC_FORM, None, None, None),
        (
            "written_testimony",
            ActionStatus.PLEDGED,
            ActionSource.PUBLIC_FORM,
            member3.pk,
            hearing.pk,
            hearing.testimony_deadline.date(),  # 22:00 UTC = 16:00 in Chicago, same day
        ),
    ]
    assert sorted(a.kind for a in result.pledges) == ["call", "phone_bank", "written_testimony"]


def test_submitting_again_does_not_duplicate_open_pledges(campaign):
    submit(campaign, asks=[ActionKind.CALL, ActionKind.LETTER])
    again = submit(campaign, asks=[ActionKind.CALL, ActionKind.LETTER, ActionKind.PHONE_BANK])
    assert Supporter.objects.count() == 1
    assert sorted(Action.objects.values_list("kind", flat=True)) == ["call", "letter", "phone_bank"]
    assert [a.kind for a in again.pledges] == ["phone_bank"]


def test_it_ignores_asks_the_campaign_does_not_offer(campaign):
    campaign.asks = [ActionKind.CALL]
    campaign.save()
    submit(campaign, asks=[ActionKind.CALL, ActionKind.MEETING])
    assert list(Action.objects.values_list("kind", flat=True)) == ["call"]


def test_an_ambiguous_zip_leaves_the_district_and_target_unknown(campaign):
    submit(campaign, zip_code="55063")
    supporter = Supporter.objects.get()
    assert supporter.district is None
    assert Action.objects.get().target is None
    assert not supporter.tags.filter(name=NON_CONSTITUENT_TAG).exists()


def test_an_ambiguous_zip_keeps_a_known_district_that_covers_it(campaign, pine_county):
    d2 = pine_county["districts"][1]
    factories.SupporterFactory(email="ana.gomez@example.org", zip_code="55063", district=d2)
    submit(campaign, zip_code="55063")
    supporter = Supporter.objects.get()
    assert supporter.district == d2
    assert Action.objects.get().target == pine_county["members"][1]


def test_a_zip_outside_every_district_is_recorded_as_non_constituent(campaign):
    submit(campaign, zip_code="90210")
    supporter = Supporter.objects.get()
    assert supporter.district is None
    assert list(supporter.tags.values_list("name", flat=True)) == [NON_CONSTITUENT_TAG]
    assert Action.objects.get().target is None


def test_moving_into_a_district_drops_the_non_constituent_tag(campaign, pine_county):
    submit(campaign, zip_code="90210")
    submit(campaign, zip_code="55007")
    supporter = Supporter.objects.get()
    assert supporter.district == pine_county["districts"][0]
    assert supporter.tags.count() == 0


def test_it_hands_the_new_pledges_to_the_reminders_hook(campaign):
    with mock.patch("campaign.services.signup.reminders_on_signup") as hook:
        result = submit(campaign, asks=[ActionKind.CALL])
    # No hearing ask ticked, so the hearings were not read (None: the hook reads them if needed).
    hook.assert_called_once_with(
        supporter=result.supporter, campaign=campaign, pledges=result.pledges, hearings=None
    )
    assert [a.kind for a in result.pledges] == ["call"]


def test_an_invalid_phone_raises_and_stores_nothing(campaign):
    with pytest.raises(ValidationError):
        submit(campaign, phone="12")
    assert Supporter.objects.count() == 0


def test_a_failure_in_the_reminders_hook_rolls_back_the_whole_signup(campaign):
    with (
        mock.patch(
            "campaign.services.signup.reminders_on_signup", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        submit(campaign, email_updates=True)
    assert (Supporter.objects.count(), Action.objects.count(), ConsentEvent.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_lost_insert_race_is_retried_once_and_finds_the_winner(campaign):
    real = signup_module._signup
    calls = []

    def racing(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        # Meanwhile the other request of the double click committed this person.
        factories.SupporterFactory(email="ana.gomez@example.org")
        return real(**kwargs)

    with mock.patch.object(signup_module, "_signup", side_effect=racing):
        result = submit(campaign)
    assert len(calls) == 2
    assert result.created is False
    assert Supporter.objects.count() == 1
