"""intake_repair: what was stored before the intake core is brought under its
rules. Idempotent; --dry-run saves nothing."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
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
)
from tests import factories

pytestmark = pytest.mark.django_db


def repair(*args) -> str:
    out = io.StringIO()
    call_command("intake_repair", *args, stdout=out)
    return out.getvalue()


def _state():
    return (
        sorted(
            Membership.objects.values_list("campaign_id", "supporter_id", "source", "joined_at")
        ),
        sorted(Action.objects.values_list("pk", "hearing_id", "due_date")),
        sorted(Message.objects.values_list("dedupe_key", "scheduled_for")),
    )


@pytest.fixture
def campaign(pine_county):
    return pine_county["campaign"]


def consenting(**extra):
    return factories.SupporterFactory(email_consent_at=timezone.now(), **extra)


@pytest.fixture
def imported(campaign):
    """Actions imported into the campaign before memberships existed."""
    old = timezone.now() - dt.timedelta(days=20)
    supporter = factories.SupporterFactory()
    first = factories.ActionFactory(
        campaign=campaign,
        supporter=supporter,
        status=ActionStatus.COMPLETED,
        source=ActionSource.IMPORT,
    )
    factories.ActionFactory(
        campaign=campaign,
        supporter=supporter,
        kind=ActionKind.LETTER,
        status=ActionStatus.COMPLETED,
        source=ActionSource.IMPORT,
    )
    Action.objects.filter(pk=first.pk).update(created_at=old)
    signed_up = factories.SupporterFactory()
    ConsentEvent.objects.create(
        supporter=signed_up,
        channel=Channel.EMAIL,
        kind=ConsentEvent.Kind.GRANTED,
        source="public form",
        campaign=campaign,
        occurred_at=old,
    )
    Membership.objects.all().delete()
    return {"supporter": supporter, "signed_up": signed_up, "old": old}


def test_people_with_an_imported_action_or_a_sign_up_join_the_base(campaign, imported):
    output = repair()

    joined = {m.supporter_id: m for m in Membership.objects.filter(campaign=campaign)}
    assert set(joined) == {imported["supporter"].pk, imported["signed_up"].pk}
    assert joined[imported["supporter"].pk].source == ActionSource.IMPORT
    assert joined[imported["supporter"].pk].joined_at == imported["old"]
    assert joined[imported["signed_up"].pk].source == ActionSource.PUBLIC_FORM
    assert "Memberships added: 2" in output


def test_a_hearing_pledge_without_a_hearing_gets_the_campaigns_only_upcoming_one(campaign):
    factories.HearingFactory(campaign=campaign, starts_at=timezone.now() - dt.timedelta(days=3))
    hearing = factories.HearingFactory(campaign=campaign)
    supporter = consenting()
    pledge = factories.ActionFactory(
        campaign=campaign, supporter=supporter, kind=ActionKind.TESTIMONY_IN_PERSON
    )

    output = repair()

    pledge.refresh_from_db()
    assert pledge.hearing == hearing
    assert pledge.due_date == timezone.localtime(hearing.starts_at).date()
    # ... and its hearing reminders follow.
    assert Message.objects.filter(
        action=pledge, hearing=hearing, kind=MessageKind.HEARING_24H
    ).exists()
    assert "Hearing pledges given the campaign's only upcoming hearing: 1" in output


def test_a_hearing_pledge_is_left_and_reported_when_the_hearing_is_not_clear(campaign):
    factories.HearingFactory(campaign=campaign, title="Work session")
    factories.HearingFactory(campaign=campaign, title="Public hearing")
    pledge = factories.ActionFactory(campaign=campaign, kind=ActionKind.ATTEND_HEARING)
    other = factories.CampaignFactory(slug="no-hearing")
    lonely = factories.ActionFactory(campaign=other, kind=ActionKind.ATTEND_HEARING)

    output = repair()

    pledge.refresh_from_db()
    lonely.refresh_from_db()
    assert (pledge.hearing, lonely.hearing) == (None, None)
    assert "Hearing pledges left without a hearing: 2" in output
    assert f"parks-alcohol-ordinance (2 upcoming hearings): {pledge.pk}" in output
    assert f"no-hearing (0 upcoming hearings): {lonely.pk}" in output


def test_open_pledges_without_reminders_get_their_follow_up(campaign):
    forgotten = factories.ActionFactory(
        campaign=campaign, supporter=consenting(), kind=ActionKind.LETTER
    )
    done = factories.ActionFactory(
        campaign=campaign, supporter=consenting(), status=ActionStatus.COMPLETED
    )

    output = repair()

    assert list(Message.objects.values_list("kind", "action_id")) == [
        (MessageKind.PLEDGE_FOLLOWUP, forgotten.pk)
    ]
    assert Message.objects.filter(action=done).count() == 0
    assert "Open pledges given their reminders: 1 (1 message)" in output


def test_a_dry_run_reports_and_saves_nothing(campaign, imported):
    factories.HearingFactory(campaign=campaign)
    factories.ActionFactory(
        campaign=campaign, supporter=consenting(), kind=ActionKind.TESTIMONY_IN_PERSON
    )
    before = _state()

    output = repair("--dry-run")

    assert _state() == before
    assert "Memberships added: 2" in output
    assert "Hearing pledges given the campaign's only upcoming hearing: 1" in output
    assert "Dry run: nothing was saved." in output


def test_a_second_run_changes_nothing(campaign, imported):
    factories.HearingFactory(campaign=campaign)
    factories.ActionFactory(
        campaign=campaign, supporter=consenting(), kind=ActionKind.TESTIMONY_IN_PERSON
    )
    factories.ActionFactory(campaign=campaign, supporter=consenting(), kind=ActionKind.LETTER)
    repair()
    after_first = _state()

    output = repair()

    assert _state() == after_first
    assert "Memberships added: 0" in output
    assert "Hearing pledges given the campaign's only upcoming hearing: 0" in output
    assert "Open pledges given their reminders: 0 (0 messages)" in output


def test_the_demo_seed_leaves_nothing_to_repair():
    call_command("seed_demo", stdout=io.StringIO())

    output = repair()

    assert "Memberships added: 0" in output
    assert "Hearing pledges left without a hearing: 0" in output
    # Pledgers without email consent get no reminder: nothing more to add.
    assert "Open pledges given their reminders: 0 (0 messages)" in output
