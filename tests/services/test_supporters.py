import pytest
from django.core.exceptions import ValidationError

from campaign.models import Channel, ConsentEvent, Message, MessageStatus, Supporter
from campaign.services.intake import (
    PersonInput,
    Trust,
    consent_record,
    consent_withdraw,
    supporter_intake,
)
from campaign.services.supporters import supporter_unsubscribe
from tests import factories


def staff_intake(**person):
    """What a coordinator's path does with what it knows about a person."""
    return supporter_intake(person=PersonInput(**person), trust=Trust.STAFF)


pytestmark = pytest.mark.django_db


def test_it_creates_a_supporter_with_normalised_contact_details(pine_county):
    result = staff_intake(
        first_name="Ana", email="Ana@Example.org", phone="(612) 555-0123", zip_code="55072"
    )
    assert result.created is True
    supporter = Supporter.objects.get()
    assert (supporter.email, supporter.phone, supporter.district) == (
        "ana@example.org",
        "+16125550123",
        pine_county["districts"][2],
    )


def test_it_finds_a_known_supporter_by_email_in_any_case():
    known = factories.SupporterFactory(email="ana@example.org", last_name="Lopez")
    result = staff_intake(first_name="Ana", email="ANA@EXAMPLE.ORG")
    assert (result.created, result.supporter.pk) == (False, known.pk)
    assert Supporter.objects.count() == 1


def test_it_finds_a_known_supporter_by_phone_when_no_email_matches():
    known = factories.SupporterFactory(email=None, phone="+16125550123")
    result = staff_intake(first_name="Ana", email="new@example.org", phone="612-555-0123")
    assert (result.created, result.supporter.pk) == (False, known.pk)
    known.refresh_from_db()
    assert known.email == "new@example.org"


def test_it_never_erases_what_was_known_with_a_blank():
    factories.SupporterFactory(
        email="ana@example.org", last_name="Lopez", zip_code="55072", sector="parents"
    )
    staff_intake(first_name="Ana", email="ana@example.org", last_name="", zip_code="")
    supporter = Supporter.objects.get()
    assert (supporter.last_name, supporter.zip_code, supporter.sector) == (
        "Lopez",
        "55072",
        "parents",
    )


def test_it_rejects_an_invalid_phone_and_saves_nothing():
    with pytest.raises(ValidationError):
        staff_intake(first_name="Ana", email="ana@example.org", phone="123")
    assert Supporter.objects.count() == 0


def test_granting_consent_records_the_time_source_and_campaign():
    supporter = factories.SupporterFactory()
    campaign = factories.CampaignFactory()
    event = consent_record(
        supporter=supporter, channel=Channel.EMAIL, source="public_form", campaign=campaign
    )
    supporter.refresh_from_db()
    assert supporter.email_consent_source == "public_form"
    assert supporter.email_consent_at == event.occurred_at
    assert (event.kind, event.campaign) == (ConsentEvent.Kind.GRANTED, campaign)
    assert supporter.sms_consent_at is None


def test_sms_consent_needs_a_phone():
    supporter = factories.SupporterFactory(phone=None)
    with pytest.raises(ValidationError):
        consent_record(supporter=supporter, channel=Channel.SMS, source="public_form")


def test_unsubscribing_withdraws_every_channel_and_suppresses_pending_messages():
    from django.utils import timezone

    now = timezone.now()
    supporter = factories.SupporterFactory(
        phone="+16125550123", email_consent_at=now, sms_consent_at=now
    )
    pending = Message.objects.create(
        supporter=supporter,
        channel=Channel.EMAIL,
        kind="pledge_followup",
        scheduled_for=now,
        dedupe_key="test:1",
    )
    assert supporter_unsubscribe(supporter=supporter, source="unsubscribe_link") is True
    supporter.refresh_from_db()
    pending.refresh_from_db()
    assert supporter.unsubscribed_at is not None
    assert (supporter.email_consent_at, supporter.sms_consent_at) == (None, None)
    assert pending.status == MessageStatus.SUPPRESSED
    assert sorted(
        ConsentEvent.objects.filter(kind="withdrawn").values_list("channel", flat=True)
    ) == ["email", "sms"]


def test_unsubscribing_twice_changes_nothing_the_second_time():
    supporter = factories.SupporterFactory()
    supporter_unsubscribe(supporter=supporter, source="link")
    first = Supporter.objects.get().unsubscribed_at
    assert supporter_unsubscribe(supporter=supporter, source="link") is False
    assert Supporter.objects.get().unsubscribed_at == first


def test_withdrawing_sms_consent_keeps_email_consent():
    from django.utils import timezone

    now = timezone.now()
    supporter = factories.SupporterFactory(
        phone="+16125550123", email_consent_at=now, sms_consent_at=now
    )
    consent_withdraw(supporter=supporter, channel=Channel.SMS, source="sms_stop")
    supporter.refresh_from_db()
    assert supporter.sms_consent_at is None
    assert supporter.email_consent_at == now
    assert supporter.unsubscribed_at is None
