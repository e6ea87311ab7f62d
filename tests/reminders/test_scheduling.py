"""Which outbox rows each cause writes, and when they are due."""

import datetime as dt

import pytest
import time_machine

from campaign.models import ActionKind, Channel, Hearing, Message, MessageKind, MessageStatus
from campaign.services.actions import action_cancel, action_complete
from campaign.services.digest import digest_queue
from campaign.services.hearings import hearing_cancel, hearing_save
from campaign.services.scheduling import reminders_on_signup
from tests import factories
from tests.reminders.conftest import local, make_supporter, pledge

pytestmark = pytest.mark.django_db

NOW = local(2026, 4, 1, 12, 0)
HEARING_AT = local(2026, 4, 14, 18, 30)


def new_hearing(campaign, starts_at=HEARING_AT, **extra):
    return hearing_save(
        hearing=Hearing(campaign=campaign, title="Parks hearing", starts_at=starts_at, **extra)
    )


def due(supporter, kind, channel=Channel.EMAIL):
    return Message.objects.get(supporter=supporter, kind=kind, channel=channel).scheduled_for


@time_machine.travel(NOW, tick=False)
def test_signup_queues_a_confirmation_email_due_now(campaign):
    supporter = make_supporter()
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
    message = Message.objects.get(supporter=supporter)
    assert (message.kind, message.channel, message.status) == (
        MessageKind.SIGNUP_CONFIRMATION,
        Channel.EMAIL,
        MessageStatus.PENDING,
    )
    assert message.scheduled_for == NOW


@time_machine.travel(NOW, tick=False)
def test_signup_queues_an_sms_confirmation_only_with_sms_consent(campaign):
    texting = make_supporter(sms_consent=True)
    not_texting = make_supporter(phone=True)
    for supporter in (texting, not_texting):
        reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
    assert Message.objects.filter(channel=Channel.SMS).get().supporter == texting


def test_signup_without_email_consent_queues_the_link_to_the_page_and_no_follow_up(campaign):
    # The link to their page answers the sign-up itself (the thanks page says
    # to check email); follow-ups and reminders still need consent.
    supporter = make_supporter(email=False, sms_consent=True)
    call = pledge(supporter, campaign)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[call])
    assert sorted(Message.objects.values_list("kind", "channel")) == [
        (MessageKind.SIGNUP_CONFIRMATION, Channel.EMAIL),
        (MessageKind.SIGNUP_CONFIRMATION, Channel.SMS),
    ]


def test_signing_up_again_without_new_pledges_adds_no_second_confirmation(campaign):
    supporter = make_supporter(sms_consent=True)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
    assert Message.objects.count() == 2  # one email, one text


def test_signing_up_again_with_a_new_pledge_confirms_it_the_next_day(campaign):
    # Was: a confirmation per set of new pledges. Now one email a day per
    # address, whatever the number of sign-ups (privacy hole 7, tests/optin).
    supporter = make_supporter()
    with time_machine.travel(NOW, tick=False) as clock:
        reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
        call = pledge(supporter, campaign)
        reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[call])
        assert Message.objects.filter(kind=MessageKind.SIGNUP_CONFIRMATION).count() == 1
        clock.shift(dt.timedelta(days=1))
        letter = pledge(supporter, campaign, kind=ActionKind.LETTER)
        reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[letter])
    assert Message.objects.filter(kind=MessageKind.SIGNUP_CONFIRMATION).count() == 2


@time_machine.travel(NOW, tick=False)
def test_a_call_pledge_gets_a_followup_email_the_set_number_of_days_later(campaign, settings):
    settings.PLEDGE_FOLLOWUP_DAYS = 4
    supporter = make_supporter()
    call = pledge(supporter, campaign)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[call])
    followup = Message.objects.get(kind=MessageKind.PLEDGE_FOLLOWUP)
    assert followup.scheduled_for == NOW + dt.timedelta(days=4)
    assert followup.action == call
    assert followup.dedupe_key == f"pledge-followup:{call.pk}:email"


@time_machine.travel(NOW, tick=False)
def test_a_testify_pledge_gets_reminders_3_days_24_hours_and_2_hours_before(campaign):
    hearing = new_hearing(campaign)
    supporter = make_supporter()
    testify = pledge(supporter, campaign, ActionKind.TESTIMONY_IN_PERSON)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[testify])
    assert due(supporter, MessageKind.HEARING_3D) == local(2026, 4, 11, 18, 30)
    assert due(supporter, MessageKind.HEARING_24H) == local(2026, 4, 13, 18, 30)
    assert due(supporter, MessageKind.HEARING_2H) == local(2026, 4, 14, 16, 30)
    assert Message.objects.get(kind=MessageKind.HEARING_24H).hearing == hearing
    # No follow-up: the hearing reminders are the follow-up of a hearing pledge.
    assert not Message.objects.filter(kind=MessageKind.PLEDGE_FOLLOWUP).exists()


@time_machine.travel(NOW, tick=False)
def test_the_thank_you_goes_the_morning_after_the_hearing(campaign):
    new_hearing(campaign, ends_at=local(2026, 4, 14, 21, 0))
    supporter = make_supporter()
    attend = pledge(supporter, campaign, ActionKind.ATTEND_HEARING)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[attend])
    assert due(supporter, MessageKind.HEARING_THANKS) == local(2026, 4, 15, 10, 0)


@time_machine.travel(NOW, tick=False)
def test_only_the_24h_and_2h_reminders_also_go_by_sms_to_sms_consenting_supporters(campaign):
    new_hearing(campaign)
    texting = make_supporter(sms_consent=True)
    attend = pledge(texting, campaign, ActionKind.ATTEND_HEARING)
    reminders_on_signup(supporter=texting, campaign=campaign, pledges=[attend])
    sms_kinds = set(Message.objects.filter(channel=Channel.SMS).values_list("kind", flat=True)) - {
        MessageKind.SIGNUP_CONFIRMATION
    }
    assert sms_kinds == {MessageKind.HEARING_24H, MessageKind.HEARING_2H}


@time_machine.travel(NOW, tick=False)
def test_reminders_whose_time_has_passed_are_not_created(campaign):
    new_hearing(campaign, starts_at=NOW + dt.timedelta(hours=20))
    supporter = make_supporter()
    testify = pledge(supporter, campaign, ActionKind.TESTIMONY_IN_PERSON)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[testify])
    kinds = set(Message.objects.values_list("kind", flat=True))
    assert kinds == {
        MessageKind.SIGNUP_CONFIRMATION,
        MessageKind.HEARING_2H,
        MessageKind.HEARING_THANKS,
    }


@time_machine.travel(NOW, tick=False)
def test_a_hearing_created_after_the_pledge_gives_its_pledgers_reminders(campaign):
    supporter = make_supporter()
    pledge(supporter, campaign, ActionKind.WRITTEN_TESTIMONY)
    new_hearing(campaign)
    assert due(supporter, MessageKind.HEARING_3D) == local(2026, 4, 11, 18, 30)


@time_machine.travel(NOW, tick=False)
def test_completing_a_pledge_cancels_its_pending_followup(campaign):
    supporter = make_supporter()
    call = pledge(supporter, campaign)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[call])
    action_complete(action=call)
    followup = Message.objects.get(kind=MessageKind.PLEDGE_FOLLOWUP)
    assert followup.status == MessageStatus.CANCELLED


@time_machine.travel(NOW, tick=False)
def test_cancelling_a_testify_pledge_cancels_its_hearing_reminders(campaign):
    new_hearing(campaign)
    supporter = make_supporter()
    testify = pledge(supporter, campaign, ActionKind.TESTIMONY_IN_PERSON)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[testify])
    action_cancel(action=testify)
    statuses = set(
        Message.objects.filter(kind=MessageKind.HEARING_24H).values_list("status", flat=True)
    )
    assert statuses == {MessageStatus.CANCELLED}


@time_machine.travel(NOW, tick=False)
def test_moving_a_hearing_reschedules_its_pending_reminders(campaign):
    hearing = new_hearing(campaign)
    supporter = make_supporter()
    pledge(supporter, campaign, ActionKind.ATTEND_HEARING)
    hearing_save(hearing=hearing)  # creates the reminders for the pledger
    hearing.starts_at = local(2026, 4, 21, 18, 30)
    hearing_save(hearing=hearing)
    assert due(supporter, MessageKind.HEARING_24H) == local(2026, 4, 20, 18, 30)
    assert due(supporter, MessageKind.HEARING_THANKS) == local(2026, 4, 22, 10, 0)
    assert Message.objects.filter(kind=MessageKind.HEARING_24H).count() == 1


@time_machine.travel(NOW, tick=False)
def test_moving_a_hearing_earlier_cancels_reminders_whose_time_has_passed(campaign):
    hearing = new_hearing(campaign)
    supporter = make_supporter()
    pledge(supporter, campaign, ActionKind.ATTEND_HEARING)
    hearing_save(hearing=hearing)
    hearing.starts_at = NOW + dt.timedelta(hours=30)
    hearing_save(hearing=hearing)
    three_days = Message.objects.get(kind=MessageKind.HEARING_3D)
    assert three_days.status == MessageStatus.CANCELLED
    assert due(supporter, MessageKind.HEARING_24H) == NOW + dt.timedelta(hours=6)


@time_machine.travel(NOW, tick=False)
def test_cancelling_a_hearing_cancels_its_reminders_and_queues_one_notice(campaign):
    hearing = new_hearing(campaign)
    supporter = make_supporter(sms_consent=True)
    pledge(supporter, campaign, ActionKind.TESTIMONY_IN_PERSON)
    hearing_save(hearing=hearing)
    hearing_cancel(hearing=hearing)
    hearing_cancel(hearing=hearing)  # twice: still one notice per channel
    reminders = Message.objects.filter(hearing=hearing).exclude(kind=MessageKind.HEARING_CANCELLED)
    assert set(reminders.values_list("status", flat=True)) == {MessageStatus.CANCELLED}
    notices = Message.objects.filter(kind=MessageKind.HEARING_CANCELLED)
    assert sorted(notices.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.SMS]
    assert {notice.scheduled_for for notice in notices} == {NOW}


@time_machine.travel(NOW, tick=False)
def test_the_digest_goes_once_a_day_to_coordinators_with_an_email(campaign):
    coordinator = factories.CoordinatorFactory(username="casey")
    factories.CoordinatorFactory(username="no-email", email="")
    factories.ViewerFactory(username="board")
    supporter = make_supporter()
    pledge(supporter, campaign)
    assert digest_queue() == 1
    digest_queue()
    digest = Message.objects.get(kind=MessageKind.COORDINATOR_DIGEST)
    assert digest.user == coordinator
    assert digest.context["date"] == "2026-04-01"
    [figures] = [c for c in digest.context["campaigns"] if c["name"] == campaign.name]
    assert figures["new_supporters"] == 1
