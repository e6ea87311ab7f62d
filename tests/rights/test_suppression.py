"""An erased address: refused on every staff path, never messaged, and
brought back only by the person signing up anew themselves."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from campaign import sms
from campaign.models import (
    Channel,
    Message,
    MessageKind,
    MessageStatus,
    Supporter,
    Suppression,
)
from campaign.services.bulk_log import INVALID, bulk_log
from campaign.services.imports import supporters_import
from campaign.services.intake import PersonInput, Trust, supporter_intake
from campaign.services.outbox import messages_dispatch, messages_send
from campaign.services.privacy import SUPPRESSED_REASON, supporter_erase
from campaign.services.scheduling import reminders_on_signup
from campaign.services.signup import SignupRequest, signup_submit
from tests import factories
from tests.rights.conftest import NEIGHBOUR, QUENTIN

pytestmark = pytest.mark.django_db

REFUSAL = (
    "This address asked to be erased. Only the person signing up again themselves can "
    "bring it back."
)


@pytest.fixture
def erased(people):
    supporter_erase(supporter=people["quentin"])
    return people


def _csv(*rows: str) -> list[str]:
    return ["first_name,email,phone\n", *(row + "\n" for row in rows)]


def test_an_import_skips_an_erased_email_with_the_reason_and_keeps_the_rest(erased):
    result = supporters_import(
        text=_csv(
            "Newcomer,new.comer@example.org,",
            f"Quentinius,{QUENTIN['email'].upper()},",
            f"Other,other@example.org,{QUENTIN['phone']}",
        ),
        campaign=erased["campaign"],
    )
    assert result.errors == [
        {"row": 3, "field": "email", "error": REFUSAL},
        {"row": 4, "field": "phone", "error": REFUSAL},
    ]
    assert (result.total_rows, result.created) == (3, 1)
    assert not Supporter.objects.filter(first_name__in=["Quentinius", "Other"]).exists()
    assert Supporter.objects.filter(email="new.comer@example.org").exists()


def test_an_import_with_email_consent_records_none_for_an_erased_address(erased):
    supporters_import(
        text=_csv(f"Quentinius,{QUENTIN['email']},"),
        consents=[Channel.EMAIL],
        consent_note="paper sign-in sheet",
    )
    assert not Supporter.objects.filter(email=QUENTIN["email"]).exists()


def test_the_bulk_log_refuses_a_line_naming_an_erased_phone(erased, coordinator):
    result = bulk_log(
        campaign=erased["campaign"],
        kind="call",
        status="completed",
        text=f"Quentinius Marchettova, {QUENTIN['phone']}\n{NEIGHBOUR['email']}",
        by=coordinator,
    )
    assert [(line.outcome, line.message) for line in result.lines] == [
        (INVALID, REFUSAL),
        ("logged", ""),
    ]


def test_the_quick_log_and_every_staff_intake_refuse_an_erased_email(erased):
    with pytest.raises(ValidationError) as refused:
        supporter_intake(
            person=PersonInput(first_name="Q", email=QUENTIN["email"]),
            trust=Trust.STAFF,
            campaign=erased["campaign"],
        )
    assert refused.value.message_dict == {"email": [REFUSAL]}


def test_a_staff_edit_cannot_give_someone_an_erased_phone(erased):
    neighbour = erased["neighbour"]
    neighbour.phone = None
    neighbour.save()
    with pytest.raises(ValidationError) as refused:
        supporter_intake(
            person=PersonInput(phone=QUENTIN["phone"]), trust=Trust.STAFF, supporter=neighbour
        )
    assert refused.value.message_dict == {"phone": [REFUSAL]}


def test_the_admin_form_says_why_next_to_the_field(erased, client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:campaign_supporter_add"),
        {
            "first_name": "Quentinius",
            "email": QUENTIN["email"],
            "language": "en",
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
            "consent_events-TOTAL_FORMS": "0",
            "consent_events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert REFUSAL in response.context["adminform"].form.errors["email"]
    assert not Supporter.objects.filter(first_name="Quentinius").exists()


def _send_due() -> None:
    claims = []
    messages_dispatch(publish=lambda ids, claim: claims.append((list(ids), claim)))
    for ids, claim in claims:
        messages_send(ids=ids, claim=claim)


@pytest.mark.parametrize(
    ("channel", "kind"),
    [(Channel.EMAIL, MessageKind.BROADCAST), (Channel.SMS, MessageKind.HEARING_24H)],
)
def test_the_outbox_never_sends_to_an_erased_address(erased, settings, channel, kind):
    # A row written around the intake core (a raw edit, an old API client)
    # with a consent and an erased address: the sender's re-check stops it.
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    holder = factories.SupporterFactory(
        email=QUENTIN["email"],
        phone=QUENTIN["phone"],
        email_consent_at=timezone.now(),
        sms_consent_at=timezone.now(),
    )
    message = Message.objects.create(
        supporter=holder,
        channel=channel,
        kind=kind,
        scheduled_for=timezone.now(),
        dedupe_key="to-erased",
    )
    _send_due()
    message.refresh_from_db()
    assert (message.status, message.last_error) == (MessageStatus.SUPPRESSED, SUPPRESSED_REASON)
    assert mail.outbox == [] and sms.outbox == []


def test_the_outbox_still_sends_to_everyone_else(erased):
    neighbour = erased["neighbour"]
    Message.objects.filter(dedupe_key="n-pending").delete()
    reminders_on_signup(supporter=neighbour, campaign=erased["campaign"], pledges=[])
    _send_due()
    message = neighbour.messages.get(kind=MessageKind.SIGNUP_CONFIRMATION)
    assert message.status == MessageStatus.SENT
    assert [m.to for m in mail.outbox] == [[NEIGHBOUR["email"]]]


def test_a_public_signup_by_the_person_lifts_the_suppression(erased):
    result = signup_submit(
        request=SignupRequest(
            campaign=erased["campaign"],
            person=PersonInput(first_name="Quentinius", email=QUENTIN["email"]),
            email_updates=True,
            email_wording="Email me about the campaign",
        )
    )
    assert result.created
    assert list(Suppression.objects.values_list("kind", flat=True)) == ["phone"]
    supporter = Supporter.objects.get(email=QUENTIN["email"])
    # Reachable again; their email consent waits for the confirmation's link
    # (double opt-in, tests/optin).
    assert supporter.unreachable_reason(Channel.EMAIL, consent=False) is None
    # Their confirmation goes out: nothing holds it back any more.
    _send_due()
    assert [m.to for m in mail.outbox] == [[QUENTIN["email"]]]
