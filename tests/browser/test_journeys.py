"""A volunteer on a phone: sign up, land on the thanks page, follow the link
from the confirmation email, act, add the hearing to the calendar,
unsubscribe; in English and in Spanish. Someone typing an address already on
the list sees the very same thanks page, and only the link emailed to that
address applies the sign-up. And the form's error path, and all of it
without JavaScript."""

import datetime as dt
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from playwright.sync_api import expect

from campaign.messaging import render_email
from campaign.models import ActionStatus, Message, MessageKind, PendingSignup, Supporter
from tests.browser.conftest import DEMO_SLUG, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    # Restores the groups and permissions made by data migrations after the
    # live server's flush, so later tests on this worker still find them.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THANKS_URL = re.compile(rf"/c/{DEMO_SLUG}/thanks/\?zip=\d{{5}}")


def field(page, label):
    """The input labelled `label` (required fields' labels end with "*")."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def sign_up(page, url, *, first, last, email, zip_code, language_label, labels, hearing=None):
    page.goto(url)
    field(page, first[0]).fill(first[1])
    field(page, last[0]).fill(last[1])
    field(page, email[0]).fill(email[1])
    field(page, zip_code[0]).fill(zip_code[1])
    field(page, language_label[0]).select_option(language_label[1])
    for label in labels:
        page.get_by_label(label, exact=True).check()
    if hearing:
        # The demo has a committee work session and the public hearing.
        page.get_by_role("radio", name=re.compile(rf"^\s*{re.escape(hearing)}")).check()


def applied(read, timeout: float = 10.0):
    """`read()` once the sign-up is applied: the server applies it right after
    sending its redirect (RedirectThenApply), while the browser already loads
    the thanks page, so the test may look a moment before it is done."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return read()
        except ObjectDoesNotExist:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def emailed_path(supporter: Supporter, kind: str, pattern: str) -> str:
    """The link in the email the outbox would send (rendering mints it)."""
    message = Message.objects.get(supporter=supporter, kind=kind, channel="email")
    body = render_email(message).body
    match = re.search(pattern, body)
    assert match, body
    return urlsplit(match.group(0)).path


def personal_page_path(supporter: Supporter) -> str:
    return emailed_path(supporter, MessageKind.SIGNUP_CONFIRMATION, r"https?://\S+/a/[\w-]+/")


def confirm_page_path(supporter: Supporter) -> str:
    return emailed_path(
        supporter, MessageKind.SIGNUP_CONFIRM_REQUEST, r"https?://\S+/c/[\w-]+/confirm/[\w-]+/"
    )


def main_text(page) -> str:
    return page.locator("main").inner_text()


def test_a_volunteer_signs_up_acts_and_unsubscribes(page, demo):
    sign_up(
        page,
        demo["campaign_url"],
        first=("First name", "Ana"),
        last=("Last name", "Gómez"),
        email=("Email", "ana.browser@example.org"),
        zip_code=("ZIP code", "55072"),
        language_label=("Preferred language", "en"),
        labels=["Call my commissioner", "Testify at the hearing in person"],
        hearing="Public hearing: alcohol in county parks ordinance",
    )
    page.get_by_label("Email me updates about this campaign").check()
    expect(page.locator("#id_sms_reminders")).not_to_be_checked()
    page.get_by_role("button", name="Sign up").click()

    # The thanks page: public facts for ZIP 55072 (district 3, Commissioner
    # Angela Brooks), the hearing chosen, and "check your email".
    expect(page).to_have_url(THANKS_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing up")
    expect(page.get_by_role("status")).to_contain_text("Check your email.")
    card = page.locator(".commissioner-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Angela Brooks")
    expect(card).to_contain_text("District 3")
    expect(page.locator(".call-script")).to_contain_text("Angela Brooks")
    expect(page.locator(".hearing")).to_have_count(1)
    expect(page.locator(".hearing")).to_contain_text("Public hearing: alcohol")
    assert "Ana" not in main_text(page) and "ana.browser" not in main_text(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # The confirmation email's link opens her personal page.
    supporter = applied(lambda: Supporter.objects.get(email="ana.browser@example.org"))
    assert supporter.actions.get(kind="testify").hearing.title.startswith("Public hearing")
    page.goto(demo["base"] + personal_page_path(supporter))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, Ana!")
    card = page.locator(".commissioner-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Angela Brooks")
    expect(card.locator("a[href^='tel:']")).to_have_count(1)
    mailto = card.locator("a[href^='mailto:']").get_attribute("href")
    assert "subject=" in mailto and "Angela%20Brooks" in mailto and "Ana%20G%C3%B3mez" in mailto
    # Her hearings: the one she pledged for, not the work session.
    expect(page.locator(".hearing")).to_have_count(1)
    expect(page.locator(".hearing")).to_contain_text("Public hearing: alcohol")

    # Mark the call done, with a note.
    pledge = page.locator(".pledge[data-kind='call']")
    pledge.get_by_label("How did it go? (optional)").fill("Left a voicemail")
    pledge.get_by_role("button", name="I did it").click()
    expect(page.locator(".alert[role=status]")).to_have_text("Thank you! We marked it as done.")
    expect(page.locator(".pledge[data-kind='call']")).to_contain_text("Done, thank you!")
    call = supporter.actions.get(kind="call")
    assert (call.status, call.outcome_note) == (ActionStatus.COMPLETED, "Left a voicemail")
    assert supporter.actions.get(kind="testify").status == ActionStatus.PLEDGED

    # The calendar file.
    with page.expect_download() as download_info:
        page.locator(".hearing").get_by_role("link", name="Add to calendar").first.click()
    download = download_info.value
    assert download.suggested_filename == "hearing.ics"
    ics = Path(download.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in ics
    assert "SUMMARY:Public hearing: alcohol in county parks ordinance" in ics
    assert re.search(r"DTSTART;TZID=America/Chicago:\d{8}T183000", ics)
    assert "TZID:America/Chicago" in ics

    # Unsubscribe: the link only asks; the button does it.
    page.get_by_role("link", name="Stop all emails and texts (unsubscribe)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is None
    page.get_by_role("button", name="Unsubscribe me").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is not None
    assert supporter.email_consent_at is None


def test_the_same_journey_in_spanish(page_es, demo):
    page = page_es
    sign_up(
        page,
        demo["campaign_url"],
        first=("Nombre", "Lucía"),
        last=("Apellido", "Ramírez"),
        email=("Correo electrónico", "lucia.browser@example.org"),
        zip_code=("Código postal", "55735"),
        language_label=("Idioma preferido", "es"),
        labels=["Llamar a mi comisionado", "Enviar un testimonio por escrito"],
        hearing="Sesión de trabajo del comité",
    )
    page.get_by_role("button", name="Inscribirme").click()

    expect(page).to_have_url(THANKS_URL)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias por inscribirse")
    expect(page.get_by_role("status")).to_contain_text("Revise su correo electrónico.")
    card = page.locator(".commissioner-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Angela Brooks")  # 55735 is district 3 too
    expect(page.locator(".hearing")).to_contain_text("Sesión de trabajo del comité")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    supporter = applied(lambda: Supporter.objects.get(email="lucia.browser@example.org"))
    assert supporter.language == "es"
    assert supporter.actions.get(kind="written_testimony").hearing.title.startswith("Committee")
    page.goto(demo["base"] + personal_page_path(supporter))
    expect(page.get_by_role("heading", level=1)).to_have_text("¡Gracias, Lucía!")
    expect(page.get_by_role("heading", name="Sus audiencias")).to_be_visible()

    pledge = page.locator(".pledge[data-kind='call']")
    pledge.get_by_role("button", name="Ya lo hice").click()
    expect(page.locator(".alert[role=status]")).to_have_text("¡Gracias! Lo marcamos como hecho.")
    assert supporter.actions.get(kind="call").status == ActionStatus.COMPLETED

    with page.expect_download() as download_info:
        page.locator(".hearing").get_by_role("link", name="Agregar al calendario").first.click()
    ics = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "SUMMARY:Sesión de trabajo del comité" in ics
    assert "DTSTART;TZID=America/Chicago:" in ics

    page.get_by_role("link", name=re.compile("darse de baja")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Darse de baja")
    page.get_by_role("button", name="Darme de baja").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se dio de baja")
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is not None


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_known_email_sees_the_same_thanks_page_and_only_the_emailed_link_applies_it(
    browser, demo, language
):
    # A demo supporter who joined weeks ago; someone types her address.
    known = (
        Supporter.objects.filter(email__isnull=False, unsubscribed_at__isnull=True)
        .exclude(actions__campaign__slug=DEMO_SLUG)
        .first()
    )
    Supporter.objects.filter(pk=known.pk).update(
        language=language, created_at=timezone.now() - dt.timedelta(days=30)
    )
    known.refresh_from_db()
    before = Supporter.objects.filter(pk=known.pk).values().get()
    actions_before = known.actions.count()
    labels = {
        "en": {
            "first": "First name",
            "last": "Last name",
            "email": "Email",
            "zip": "ZIP code",
            "language": "Preferred language",
            "asks": ["Write a letter", "Attend the hearing"],
            "hearing": "Committee work session",
            "submit": "Sign up",
            "confirm": "Yes, confirm my sign-up",
        },
        "es": {
            "first": "Nombre",
            "last": "Apellido",
            "email": "Correo electrónico",
            "zip": "Código postal",
            "language": "Idioma preferido",
            "asks": ["Escribir una carta", "Asistir a la audiencia"],
            "hearing": "Sesión de trabajo del comité",
            "submit": "Inscribirme",
            "confirm": "Sí, confirmar mi inscripción",
        },
    }[language]
    thanks = {}
    for who, email in (("known", known.email), ("new", f"new.{language}@example.org")):
        context, page = new_page(browser, "en-US" if language == "en" else "es-US")
        try:
            sign_up(
                page,
                demo["campaign_url"],
                first=(labels["first"], "Mallory"),
                last=(labels["last"], "Mallet"),
                email=(labels["email"], email.upper() if who == "known" else email),
                zip_code=(labels["zip"], "55072"),
                language_label=(labels["language"], language),
                labels=labels["asks"],
                hearing=labels["hearing"],
            )
            page.get_by_role("button", name=labels["submit"]).click()
            expect(page).to_have_url(THANKS_URL)
            thanks[who] = (page.url, main_text(page))
        finally:
            context.close()
    # Nothing on the page says whether the address was on the list.
    assert thanks["known"] == thanks["new"]
    assert known.first_name not in thanks["known"][1]
    # Nothing about her changed; a confirmation was asked of her mailbox.
    assert Supporter.objects.filter(pk=known.pk).values().get() == before
    assert known.actions.count() == actions_before
    assert applied(lambda: PendingSignup.objects.get(supporter=known)).confirmed_at is None

    context, page = new_page(browser, "en-US")  # she reads her email anywhere
    try:
        confirm_url = demo["base"] + confirm_page_path(known)
        page.goto(confirm_url)
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("main")).to_contain_text("Mallory Mallet")
        expect(page.locator("main")).to_contain_text("55072")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        # Opening the link changed nothing.
        assert Supporter.objects.filter(pk=known.pk).values().get() == before
        page.get_by_role("button", name=labels["confirm"]).click()
        expect(page).to_have_url(re.compile(r"/a/[^/]+/$"))
        expect(page.locator(".pledge")).to_have_count(2)
        known.refresh_from_db()
        assert (known.first_name, known.zip_code) == ("Mallory", "55072")
        assert known.actions.count() == actions_before + 2
        # The link is spent (a dead link knows nobody: the browser's language).
        page.goto(confirm_url)
        expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    finally:
        context.close()


def test_the_form_shows_errors_next_to_the_fields_and_keeps_what_was_typed(page, demo):
    sign_up(
        page,
        demo["campaign_url"],
        first=("First name", "Sam"),
        last=("Last name", "Quillfeather"),
        email=("Email", "sam@"),
        zip_code=("ZIP code", "5507"),
        language_label=("Preferred language", "en"),
        labels=["Write a letter", "Attend the hearing"],
    )
    page.get_by_label("Mobile phone (optional)").fill("123")
    page.get_by_role("button", name="Sign up").click()

    # Back on the form (autofocus brings a phone to its first error), with the errors.
    expect(page).to_have_url(demo["campaign_url"])
    expect(page.locator("#id_email")).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below.")
    for name, message in (
        ("email", "Enter a valid email address."),
        ("phone", "Enter a valid mobile phone number"),
        ("zip_code", "Enter a 5-digit ZIP code"),
    ):
        widget = page.locator(f"#id_{name}")
        expect(widget).to_have_attribute("aria-invalid", "true")
        expect(widget).to_have_attribute("aria-describedby", f"id_{name}_error")
        expect(page.locator(f"#id_{name}_error")).to_contain_text(message)
    # Two hearings and none chosen: the choice says so.
    expect(page.locator("#id_hearing_error")).to_contain_text(
        "Choose the hearing you will come to."
    )
    expect(field(page, "Last name")).to_have_value("Quillfeather")
    expect(page.get_by_label("Write a letter", exact=True)).to_be_checked()
    assert not Supporter.objects.filter(last_name="Quillfeather").exists()

    # Fixing the fields signs the person up.
    field(page, "Email").fill("sam.berg@example.org")
    field(page, "ZIP code").fill("55007")
    page.get_by_label("Mobile phone (optional)").fill("")
    page.get_by_role("radio", name=re.compile(r"^\s*Committee work session")).check()
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(THANKS_URL)
    expect(page.locator(".commissioner-card")).to_contain_text("Maria Delgado")


def test_signing_up_and_acting_work_without_javascript(browser, demo):
    context, page = new_page(browser, "en-US", javascript=False)
    try:
        sign_up(
            page,
            demo["campaign_url"],
            first=("First name", "Noa"),
            last=("Last name", "Nojs"),
            email=("Email", "noa.nojs@example.org"),
            zip_code=("ZIP code", "55030"),
            language_label=("Preferred language", "en"),
            labels=["Write a letter", "Attend the hearing"],
            hearing="Public hearing: alcohol in county parks ordinance",
        )
        page.get_by_role("button", name="Sign up").click()
        expect(page).to_have_url(THANKS_URL)
        expect(page.locator(".commissioner-card")).to_contain_text("Tom Lindqvist")
        supporter = applied(lambda: Supporter.objects.get(email="noa.nojs@example.org"))
        page.goto(demo["base"] + personal_page_path(supporter))
        page.locator(".pledge[data-kind='letter']").get_by_role("button", name="I did it").click()
        expect(page.locator(".alert[role=status]")).to_have_text("Thank you! We marked it as done.")
        assert supporter.actions.get(kind="letter").status == ActionStatus.COMPLETED
    finally:
        context.close()
