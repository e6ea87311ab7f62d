"""A coordinator writes an English and Spanish email broadcast to one
district of the demo, sees the count, previews and sends it; the outbox
delivers it to a real SMTP server (aiosmtpd), and each recipient got one
email, in their language, merge fields filled, with one-click unsubscribe.
axe-core on the composer and the broadcast's page."""

import email
import email.policy
import os
import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from campaign.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from campaign.models import Broadcast, Campaign, District, Message, MessageStatus
from campaign.services.broadcasts import Segment, segment_supporters
from campaign.services.intake import member_for_supporter
from campaign.services.outbox import messages_dispatch, messages_send
from tests.browser.conftest import DEMO_SLUG, axe_serious_violations, new_page, save_screenshot
from tests.integration.conftest import free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Inbox:
    """Keeps every message the SMTP server accepts, parsed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


def _district_with_both_languages(campaign) -> District:
    """The demo district with the most reachable recipients speaking Spanish."""
    best, best_count = None, -1
    for district in District.objects.filter(body=campaign.decision_body_id):
        people = segment_supporters(campaign=campaign, segment=Segment(districts=(district.pk,)))
        reachable = people.filter(email_consent_at__isnull=False, unsubscribed_at__isnull=True)
        spanish = reachable.filter(language="es").count()
        if spanish and reachable.exclude(language="es").exists() and spanish > best_count:
            best, best_count = district, spanish
    assert best is not None
    return best


def _send_outbox():
    claims = []
    messages_dispatch(publish=lambda ids, claim: claims.append((ids, claim)))
    for ids, claim in claims:
        messages_send(ids=ids, claim=claim)


def test_a_coordinator_sends_a_bilingual_broadcast_to_one_district(browser, demo, smtp):
    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    district = _district_with_both_languages(campaign)
    context, page = new_page(browser, "en-US")
    page.goto(f"{demo['base']}/accounts/login/?next=/dashboard/{DEMO_SLUG}/broadcasts/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="New broadcast").click()

    page.get_by_label("Subject (English)").fill("{first_name}, the hearing needs you")
    page.get_by_label("Message (English)").fill(
        "Hi {first_name}, please call {commissioner} about {district}."
    )
    page.get_by_label("Subject (Spanish)").fill("{first_name}, la audiencia le necesita")
    page.get_by_label("Message (Spanish)").fill(
        "Hola {first_name}, llame a {commissioner} sobre {district}."
    )
    page.get_by_label(district.name, exact=True).check()
    page.get_by_role("button", name="Count recipients").click()

    expected = list(
        segment_supporters(campaign=campaign, segment=Segment(districts=(district.pk,)))
        .filter(
            email__isnull=False,
            email_consent_at__isnull=False,
            unsubscribed_at__isnull=True,
            email_bounced_at__isnull=True,
        )
        .select_related("district")
    )
    expect(page.locator("#audience")).to_contain_text(f"{len(expected)} recipients")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("[data-preview='subject-es']")).to_contain_text("la audiencia le necesita")
    assert axe_serious_violations(page) == []
    save_screenshot(page, "broadcast-compose")

    page.get_by_role("button", name="Save and continue").click()
    send = page.get_by_role("button", name=f"Send now to {len(expected)} people")
    expect(send).to_be_visible()
    assert axe_serious_violations(page) == []
    send.click()
    expect(page.locator("#status")).to_have_text("Queued")

    broadcast = Broadcast.objects.get()
    assert Message.objects.filter(broadcast=broadcast).count() == len(expected)
    _send_outbox()
    received = Counter(rcpt for rcpts, _m in smtp.messages for rcpt in rcpts)
    assert received == Counter({s.email: 1 for s in expected})
    by_address = {rcpts[0]: message for rcpts, message in smtp.messages}
    for supporter in expected:
        message = by_address[supporter.email]
        member = member_for_supporter(supporter=supporter, campaign=campaign)
        body = message.get_body(("plain",)).get_content()
        if supporter.language == "es":
            assert message["Subject"] == f"{supporter.first_name}, la audiencia le necesita"
            assert f"Hola {supporter.first_name}, llame a" in body
        else:
            assert message["Subject"] == f"{supporter.first_name}, the hearing needs you"
            assert f"Hi {supporter.first_name}, please call" in body
        assert f"{member.name} " in body and f"{district.name}." in body
        assert "{" not in body
        assert message["List-Unsubscribe"].strip().startswith("<http")
        assert message["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    assert {m.language for m in Message.objects.filter(broadcast=broadcast)} == {"en", "es"}
    spanish = sum(1 for s in expected if s.language == "es")
    print(f"\n[broadcast journey] {district.name}: {len(expected)} received, {spanish} in Spanish")

    page.reload()
    expect(page.locator("[data-figure='sent']")).to_have_text(str(len(expected)))
    assert Message.objects.filter(broadcast=broadcast, status=MessageStatus.SENT).count() == len(
        expected
    )
    save_screenshot(page, "broadcast-sent")
    page.get_by_role("link", name="All broadcasts").click()
    expect(page.locator("#broadcasts tbody tr")).to_have_count(1)
    assert axe_serious_violations(page) == []
    context.close()
