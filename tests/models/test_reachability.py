"""One rule for who may be sent a message (campaign.models.supporters.REACHABLE):
the querysets, the model's properties and the sender's re-check read it alike."""

import itertools

import pytest
from django.utils import timezone

from campaign.models import Channel, Supporter
from campaign.models.supporters import REACHABLE
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid():
    """Every combination of email and phone present (at least one: a check
    constraint), each consent given or not, unsubscribed or not, bounced or not."""
    now = timezone.now()
    supporters = []
    flags = itertools.product([False, True], repeat=6)
    for n, (email, phone, email_consent, sms_consent, unsubscribed, bounced) in enumerate(flags):
        if not email and not phone:
            continue
        supporters.append(
            factories.SupporterFactory(
                email=f"grid{n}@example.org" if email else None,
                phone=f"+1612555{n:04d}" if phone else None,
                email_consent_at=now if email_consent else None,
                sms_consent_at=now if sms_consent else None,
                unsubscribed_at=now if unsubscribed else None,
                email_bounced_at=now if bounced else None,
            )
        )
    return supporters


def test_the_querysets_and_the_properties_agree_on_every_combination(grid):
    by_email = set(Supporter.objects.reachable_by_email().values_list("pk", flat=True))
    by_sms = set(Supporter.objects.reachable_by_sms().values_list("pk", flat=True))
    assert by_email == {s.pk for s in grid if s.can_receive_email}
    assert by_sms == {s.pk for s in grid if s.can_receive_sms}
    # Email: an address, consent, not unsubscribed, not bounced; phone and SMS
    # consent either way.
    assert len(by_email) == 4
    # SMS: a phone, consent, not unsubscribed; email, email consent and bounce
    # either way.
    assert len(by_sms) == 8


def test_the_reason_is_none_exactly_when_the_supporter_is_reachable(grid):
    for supporter in grid:
        assert (supporter.unreachable_reason(Channel.EMAIL) is None) == supporter.can_receive_email
        assert (supporter.unreachable_reason(Channel.SMS) is None) == supporter.can_receive_sms


def test_the_reason_is_the_first_condition_that_fails():
    supporter = factories.SupporterFactory(
        email="late@example.org", email_consent_at=None, unsubscribed_at=timezone.now()
    )
    assert supporter.unreachable_reason(Channel.EMAIL) == "unsubscribed"
    supporter.unsubscribed_at = None
    assert supporter.unreachable_reason(Channel.EMAIL) == "no email consent"
    assert supporter.unreachable_reason(Channel.SMS) == "no phone number"


def test_an_empty_email_counts_as_no_address_in_python_and_in_sql():
    supporter = factories.SupporterFactory(
        email="", phone="+16125550999", email_consent_at=timezone.now()
    )
    assert supporter.unreachable_reason(Channel.EMAIL) == "no email address"
    assert not Supporter.objects.reachable_by_email().filter(pk=supporter.pk).exists()


def test_every_channel_has_a_rule():
    assert set(REACHABLE) == set(Channel.values)
