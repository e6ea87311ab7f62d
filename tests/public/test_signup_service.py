"""campaign.services.signup: the rules of one public sign-up (PUBLIC trust)
and of its confirmation by the address's owner (OWNER trust)."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from campaign.models import (
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    Channel,
    ConsentEvent,
    Membership,
    Message,
    MessageKind,
    PendingSignup,
    Supporter,
)
from campaign.services import signup as signup_module
from campaign.services.intake import NON_CONSTITUENT_TAG
from campaign.services.signup import signup_confirm, signup_confirm_link, signup_submit
from tests import factories
from tests.public.helpers import known_supporter, signup_request

pytestmark = pytest.mark.django_db


def submit(campaign, **overrides):
    return signup_submit(request=signup_request(campaign, **overrides))


def confirm(supporter, campaign):
    """What following the emailed link and pressing the button does."""
    token = signup_confirm_link(supporter=supporter, campaign=campaign)
    return signup_confirm(campaign=campaign, token=token)


def test_it_creates_the_supporter_with_normalised_contacts(campaign, pine_county):
    result = submit(campaign, phone="(612) 555-0123")
    supporter = Supporter.objects.get()
    assert (result.created, result.held) == (True, False)
    assert result.supporter == supporter
    assert (supporter.email, supporter.phone) == ("ana.gomez@example.org", "+16125550123")
    assert (supporter.first_name, supporter.last_name) == ("Ana", "Gómez")
    assert (supporter.language, supporter.sector, supporter.zip_code) == ("es", "parents", "55072")
    assert supporter.district == pine_county["districts"][2]
    assert list(Membership.objects.values_list("campaign", "supporter", "source")) == [
        (campaign.pk, supporter.pk, ActionSource.PUBLIC_FORM)
    ]


def test_a_known_email_whatever_its_case_is_held_and_changes_nothing(campaign):
    # Was: the known supporter's first name was overwritten with "Ana".
    known = known_supporter(email="ana.gomez@example.org", first_name="Anita")
    result = submit(campaign, email="  ANA.GOMEZ@example.ORG ")
    assert (result.supporter, result.created, result.held, result.pledges) == (
        None,
        False,
        True,
        [],
    )
    assert Supporter.objects.count() == 1
    known.refresh_from_db()
    assert known.first_name == "Anita"
    assert Action.objects.count() == 0
    pending = PendingSignup.objects.get()
    assert (pending.supporter, pending.campaign, pending.confirmed_at) == (known, campaign, None)
    assert (pending.payload["first_name"], pending.payload["asks"]) == ("Ana", ["call"])


def test_a_known_phone_with_a_new_email_is_a_new_person_without_that_phone(campaign):
    # Was: the phone found the known supporter and gave them the new email. A
    # public form is matched by email alone: typing someone's phone must not
    # reach their record, and a phone someone holds is not attached to another.
    known = known_supporter(email=None, phone="+16125550123", first_name="Bea")
    result = submit(campaign, email="new@example.org", phone="612-555-0123")
    assert Supporter.objects.count() == 2
    assert result.created is True
    assert (result.supporter.email, result.supporter.phone) == ("new@example.org", None)
    known.refresh_from_db()
    assert (known.email, known.phone, known.first_name) == (None, "+16125550123", "Bea")
    assert not Message.objects.filter(kind=MessageKind.SMS_CONSENT_REQUEST).exists()


def test_a_confirmed_signup_never_erases_what_was_known(campaign):
    known = known_supporter(
        email="ana.gomez@example.org",
        last_name="Gómez",
        sector="parents",
        street_address="12 Elm St",
        phone="+16125550123",
    )
    submit(campaign, last_name="", sector="", phone="")
    confirm(known, campaign)
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
    # Double opt-in: recorded when the address's owner follows the emailed
    # link (tests/optin), with the wording the form showed.
    assert ConsentEvent.objects.count() == 0
    confirm(supporter, campaign)
    supporter.refresh_from_db()
    event = ConsentEvent.objects.get()
    assert (event.channel, event.kind, event.source, event.campaign, event.wording) == (
        Channel.EMAIL,
        ConsentEvent.Kind.GRANTED,
        "double opt-in confirmed (public_form:parks-alcohol-ordinance)",
        campaign,
        "W",
    )
    assert supporter.email_consent_at == event.occurred_at
    assert supporter.sms_consent_at is None
    assert not Message.objects.filter(kind=MessageKind.SMS_CONSENT_REQUEST).exists()


def test_it_records_no_consent_when_nothing_was_ticked(campaign):
    submit(campaign)
    supporter = Supporter.objects.get()
    assert ConsentEvent.objects.count() == 0
    assert (supporter.email_consent_at, supporter.sms_consent_at) == (None, None)


def test_ticking_text_reminders_asks_the_phone_for_yes_and_records_no_consent(campaign):
    # Was: the form's tick recorded SMS consent. A form cannot prove the
    # number is the signer's: the phone is asked to reply YES instead.
    submit(campaign, sms_reminders=True, phone="612-555-0123", sms_wording="Reply STOP")
    supporter = Supporter.objects.get()
    assert (supporter.sms_consent_at, supporter.sms_consent_source) == (None, "")
    assert ConsentEvent.objects.count() == 0
    request = Message.objects.get(kind=MessageKind.SMS_CONSENT_REQUEST)
    assert (request.channel, request.supporter, request.campaign, request.context) == (
        Channel.SMS,
        supporter,
        campaign,
        {"wording": "Reply STOP"},
    )


def test_it_pledges_one_action_per_ticked_ask_aimed_at_the_district_member(
    campaign, pine_county, hearing
):
    result = submit(
        campaign,
        asks=[ActionKind.CALL, ActionKind.WRITTEN_TESTIMONY, ActionKind.PHONE_BANK],
        hearing=hearing,
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


def test_a_hearing_ask_needs_one_of_the_campaigns_upcoming_hearings(campaign, hearing):
    past = factories.HearingFactory(
        campaign=campaign, starts_at=timezone.now() - dt.timedelta(days=1)
    )
    for chosen in (None, past, factories.HearingFactory()):
        with pytest.raises(ValidationError) as error:
            submit(campaign, asks=[ActionKind.TESTIMONY_IN_PERSON], hearing=chosen)
        assert error.value.message_dict == {"hearing": ["Choose the hearing you will come to."]}
    assert (Supporter.objects.count(), Action.objects.count()) == (0, 0)


def test_confirming_again_does_not_duplicate_open_pledges(campaign):
    # Was: a second submission added the new ask straight away. Now the second
    # submission is a known email: held, and applied when confirmed.
    first = submit(campaign, asks=[ActionKind.CALL, ActionKind.LETTER])
    Supporter.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    again = submit(campaign, asks=[ActionKind.CALL, ActionKind.LETTER, ActionKind.PHONE_BANK])
    assert again.held is True
    assert sorted(Action.objects.values_list("kind", flat=True)) == ["call", "letter"]
    confirmed = confirm(first.supporter, campaign)
    assert Supporter.objects.count() == 1
    assert sorted(Action.objects.values_list("kind", flat=True)) == ["call", "letter", "phone_bank"]
    # The page it opens lists this submission's pledges, the open ones found included.
    assert sorted(a.kind for a in confirmed.pledges) == ["call", "letter", "phone_bank"]


def test_an_ask_the_campaign_does_not_offer_is_refused_and_nothing_is_saved(campaign):
    # Was: the ask was silently dropped and the rest saved.
    campaign.asks = [ActionKind.CALL]
    campaign.save()
    with pytest.raises(ValidationError) as error:
        submit(campaign, asks=[ActionKind.CALL, ActionKind.MEETING])
    assert error.value.message_dict == {"asks": ["This campaign does not offer: meeting"]}
    assert (Supporter.objects.count(), Action.objects.count()) == (0, 0)


def test_an_ambiguous_zip_leaves_the_district_and_target_unknown(campaign):
    submit(campaign, zip_code="55063")
    supporter = Supporter.objects.get()
    assert supporter.district is None
    assert Action.objects.get().target is None
    assert not supporter.tags.filter(name=NON_CONSTITUENT_TAG).exists()


def test_a_confirmed_ambiguous_zip_keeps_a_known_district_that_covers_it(campaign, pine_county):
    d2 = pine_county["districts"][1]
    known = known_supporter(email="ana.gomez@example.org", zip_code="55063", district=d2)
    submit(campaign, zip_code="55063")
    confirm(known, campaign)
    supporter = Supporter.objects.get()
    assert supporter.district == d2
    assert Action.objects.get().target == pine_county["members"][1]


def test_a_zip_outside_every_district_is_recorded_as_non_constituent(campaign):
    submit(campaign, zip_code="90210")
    supporter = Supporter.objects.get()
    assert supporter.district is None
    assert list(supporter.tags.values_list("name", flat=True)) == [NON_CONSTITUENT_TAG]
    assert Action.objects.get().target is None


def test_moving_into_a_district_drops_the_non_constituent_tag_once_confirmed(campaign, pine_county):
    first = submit(campaign, zip_code="90210")
    Supporter.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    submit(campaign, zip_code="55007")
    supporter = Supporter.objects.get()
    # Held: the stranger-proof form changed nothing yet.
    assert (supporter.zip_code, supporter.tags.count()) == ("90210", 1)
    confirm(first.supporter, campaign)
    supporter.refresh_from_db()
    assert supporter.district == pine_county["districts"][0]
    assert supporter.tags.count() == 0


def test_it_hands_the_new_pledges_to_the_reminders_hook(campaign):
    with mock.patch("campaign.services.signup.reminders_on_signup") as hook:
        result = submit(campaign, asks=[ActionKind.CALL])
    # No hearing was chosen, so no hearing is left for the hook to look at.
    hook.assert_called_once_with(
        supporter=result.supporter,
        campaign=campaign,
        pledges=result.pledges,
        hearings=[],
        confirmation=True,
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
    assert (
        Supporter.objects.count(),
        Action.objects.count(),
        ConsentEvent.objects.count(),
        Membership.objects.count(),
        Message.objects.count(),
    ) == (0, 0, 0, 0, 0)


def test_a_lost_insert_race_is_retried_once_and_holds_nothing_for_the_twin(campaign):
    real = signup_module.supporter_intake
    calls = []

    def racing(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        # Meanwhile the other request of the double click committed this person.
        factories.SupporterFactory(email="ana.gomez@example.org")
        return real(**kwargs)

    with mock.patch.object(signup_module, "supporter_intake", side_effect=racing):
        result = submit(campaign)
    assert len(calls) == 2
    assert (result.created, result.held) == (False, True)
    assert Supporter.objects.count() == 1
    # The person's own double click asks them nothing.
    assert (PendingSignup.objects.count(), Message.objects.count()) == (0, 0)


def test_confirming_after_the_hearing_was_cancelled_keeps_the_other_pledges(campaign, hearing):
    # A bug fixed with this test: the cancelled hearing's pledge failed
    # action_check and the confirmation answered 500.
    known = known_supporter(email="ana.gomez@example.org")
    submit(campaign, asks=[ActionKind.CALL, ActionKind.TESTIMONY_IN_PERSON], hearing=hearing)
    hearing.cancelled_at = timezone.now()
    hearing.save()
    result = confirm(known, campaign)
    assert [a.kind for a in result.pledges] == ["call"]
    assert list(Action.objects.values_list("kind", flat=True)) == ["call"]
