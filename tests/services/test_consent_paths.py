"""The SMS keywords and the call list record consent through the intake core."""

import pytest

from campaign.models import ConsentEvent
from campaign.services.sms_inbound import sms_inbound
from campaign.services.supporters import supporter_unsubscribe
from tests import factories

pytestmark = pytest.mark.django_db


def test_start_from_an_unsubscribed_phone_subscribes_its_owner_again():
    # Texting START is the phone's owner asking: their own word lifts the unsubscribe.
    supporter = factories.SupporterFactory(phone="+16125550601")
    supporter_unsubscribe(supporter=supporter, source="link")

    sms_inbound(phone="+16125550601", body="START", provider_message_id="SM1")

    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is None
    assert supporter.sms_consent_source == "sms_start"
    assert ConsentEvent.objects.filter(supporter=supporter, kind="granted").count() == 1
