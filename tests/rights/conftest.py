"""A crafted person (Quentin) with a trace in every table that can hold one,
and a neighbour (Wilhelmina) with the same kinds of traces: Quentin's access
export must hold all of his and none of hers; his erasure must leave none of
his and all of hers.

Every identifying value is unique to its owner and ASCII, so a substring
search over any column (or file) finds it wherever it was copied."""

import datetime as dt

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from campaign.models import (
    ActionKind,
    ActionStatus,
    CallClaim,
    Channel,
    Membership,
    Message,
    MessageKind,
    MessageStatus,
    PendingSignup,
    SignupSubmission,
    Supporter,
    SupporterLink,
    Tag,
    token_digest,
)
from campaign.services.intake import consent_record
from tests import factories
from tests.dashboard.conftest import other_user, seeded  # noqa: F401

QUENTIN = {
    "first_name": "Quentinius",
    "last_name": "Marchettova",
    "email": "quentin.marchettova@example.org",
    "phone": "+16125557781",
    "street_address": "12 Larkspur Wayfarer Road",
    "notes": "Prefers calls after six, ask about the zebrafish",
}
QUENTIN_NOTE = "Talked about the lakeside pavilion of Xanadu"
NEIGHBOUR = {
    "first_name": "Wilhelmina",
    "last_name": "Oksanenberg",
    "email": "wilhelmina.oksanenberg@example.org",
    "phone": "+16125553392",
    "street_address": "14 Larkspur Wayfarer Road",
    "notes": "Neighbour of the zebrafish man, calls on Sundays",
}
NEIGHBOUR_NOTE = "Promised to bring the Okapi banner"
NEIGHBOUR_ERROR = "550 mailbox wilhelmina-unavailable"


def quentin_values() -> list[str]:
    """What may not survive Quentin's erasure anywhere."""
    return [
        QUENTIN["first_name"],
        QUENTIN["last_name"],
        QUENTIN["email"],
        QUENTIN["phone"],
        QUENTIN["phone"].lstrip("+1"),
        QUENTIN["street_address"],
        QUENTIN["notes"],
        QUENTIN_NOTE,
        "quentin-provider-id-771",
        "quentin-bounce-detail",
    ]


def neighbour_values() -> list[str]:
    return [
        NEIGHBOUR["first_name"],
        NEIGHBOUR["last_name"],
        NEIGHBOUR["email"],
        NEIGHBOUR["phone"],
        NEIGHBOUR["street_address"],
        NEIGHBOUR["notes"],
        NEIGHBOUR_NOTE,
        NEIGHBOUR_ERROR,
        "neighbour-provider-id-993",
    ]


def _message(supporter, key, **extra):
    return Message.objects.create(
        supporter=supporter,
        channel=Channel.EMAIL,
        kind=MessageKind.PLEDGE_FOLLOWUP,
        scheduled_for=timezone.now() - dt.timedelta(days=1),
        dedupe_key=key,
        **extra,
    )


def _person(values, *, district, campaign, member, note, coordinator, tag, recruiter=None):
    supporter = factories.SupporterFactory(
        **values, zip_code="55007", district=district, sector="parents", language="es"
    )
    supporter.tags.add(Tag.objects.get_or_create(name=tag)[0])
    supporter.tags.add(Tag.objects.get_or_create(name="non-constituent")[0])
    consent_record(
        supporter=supporter,
        channel=Channel.EMAIL,
        source=f"import: sheet from {values['first_name']}",
        campaign=campaign,
        wording=f"Yes, email {values['email']}",
    )
    Membership.objects.create(
        campaign=campaign, supporter=supporter, source="public_form", recruited_by=recruiter
    )
    call = factories.ActionFactory(
        supporter=supporter,
        campaign=campaign,
        kind=ActionKind.CALL,
        status=ActionStatus.COMPLETED,
        target=member,
        outcome_note=note,
        logged_by=coordinator,
        idempotency_key=f"import:{values['email']}",
        joins_base=False,
    )
    factories.ActionFactory(
        supporter=supporter,
        campaign=campaign,
        kind=ActionKind.LETTER,
        status=ActionStatus.PLEDGED,
        joins_base=False,
    )
    SupporterLink.objects.create(
        supporter=supporter,
        purpose=SupporterLink.Purpose.ACTION_PAGE,
        campaign=campaign,
        token_hash=token_digest(f"action-{values['email']}"),
    )
    SupporterLink.objects.create(
        supporter=supporter,
        purpose=SupporterLink.Purpose.SHARE,
        campaign=campaign,
        token_hash=token_digest(f"share-{values['email']}"),
    )
    PendingSignup.objects.create(
        campaign=campaign,
        supporter=supporter,
        payload={
            "first_name": values["first_name"],
            "email": values["email"],
            "phone": values["phone"],
            "asks": ["call"],
        },
        token_hash=token_digest(f"pending-{values['email']}"),
    )
    SignupSubmission.objects.create(
        campaign=campaign,
        payload={"first_name": values["first_name"], "email": values["email"], "asks": []},
    )
    CallClaim.objects.create(
        campaign=campaign,
        supporter=supporter,
        caller=coordinator,
        claimed_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    # The admin's own log, as a coordinator's edits leave it.
    LogEntry.objects.log_actions(
        user_id=coordinator.pk,
        queryset=[supporter],
        action_flag=ADDITION,
        change_message=[{"added": {}}],
        single_object=True,
    )
    LogEntry.objects.create(
        user=coordinator,
        content_type=ContentType.objects.get_for_model(call),
        object_id=str(call.pk),
        object_repr=str(call),
        action_flag=CHANGE,
        change_message=(
            f'[{{"changed": {{"fields": ["Outcome note"]}}}}, '
            f'{{"added": {{"name": "action", "object": "{call}"}}}}]'
        ),
    )
    return supporter, call


@pytest.fixture
def people(seeded, coordinator, django_capture_on_commit_callbacks):  # noqa: F811
    # The audit trail writes its entries once a change commits: run those
    # hooks, so the trail holds its copies of both people's values.
    with django_capture_on_commit_callbacks(execute=True):
        return _people(seeded, coordinator)


def _people(seeded, coordinator):  # noqa: F811
    campaign = seeded["campaign"]
    d1 = seeded["districts"][0]
    m1 = seeded["members"][0]
    neighbour, neighbour_call = _person(
        NEIGHBOUR,
        district=d1,
        campaign=campaign,
        member=m1,
        note=NEIGHBOUR_NOTE,
        coordinator=coordinator,
        tag="Okapi street team",
    )
    quentin, quentin_call = _person(
        QUENTIN,
        district=d1,
        campaign=campaign,
        member=m1,
        note=QUENTIN_NOTE,
        coordinator=coordinator,
        tag="Zebrafish club of Marchettova",
        recruiter=neighbour,
    )
    sent = _message(
        quentin,
        "q-sent",
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
        provider_message_id="quentin-provider-id-771",
        context={"pledge_ids": [quentin_call.pk], "note": "quentin-bounce-detail"},
    )
    pending = _message(quentin, "q-pending", action=quentin_call)
    failed = _message(
        quentin, "q-failed", status=MessageStatus.FAILED, last_error="quentin-bounce-detail"
    )
    _message(
        neighbour,
        "n-sent",
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
        provider_message_id="neighbour-provider-id-993",
        last_error=NEIGHBOUR_ERROR,
    )
    _message(neighbour, "n-pending")
    return {
        **seeded,
        "quentin": Supporter.objects.get(pk=quentin.pk),
        "quentin_call": quentin_call,
        "neighbour": Supporter.objects.get(pk=neighbour.pk),
        "messages": {"sent": sent, "pending": pending, "failed": failed},
    }
