"""A volunteer on a phone: sign up, act, add the hearing to the calendar,
unsubscribe; in English and in Spanish; and the form's error path."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from campaign.models import ActionStatus, Supporter
from tests.browser.conftest import new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    # Restores the groups and permissions made by data migrations after the
    # live server's flush, so later tests on this worker still find them.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def field(page, label):
    """The input labelled `label` (required fields' labels end with "*")."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def sign_up(page, url, *, first, last, email, zip_code, language_label, labels):
    page.goto(url)
    field(page, first[0]).fill(first[1])
    field(page, last[0]).fill(last[1])
    field(page, email[0]).fill(email[1])
    field(page, zip_code[0]).fill(zip_code[1])
    field(page, language_label[0]).select_option(language_label[1])
    for label in labels:
        page.get_by_label(label, exact=True).check()


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
    )
    page.get_by_label("Email me updates about this campaign").check()
    expect(page.locator("#id_sms_reminders")).not_to_be_checked()
    page.get_by_role("button", name="Sign up").click()

    # The personal page: ZIP 55072 is district 3, Commissioner Angela Brooks.
    expect(page).to_have_url(re.compile(r"/a/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, Ana!")
    card = page.locator(".commissioner-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Angela Brooks")
    expect(card).to_contain_text("District 3")
    expect(card.locator("a[href^='tel:']")).to_have_count(1)
    mailto = card.locator("a[href^='mailto:']").get_attribute("href")
    assert "subject=" in mailto and "Angela%20Brooks" in mailto and "Ana%20G%C3%B3mez" in mailto

    # Mark the call done, with a note.
    pledge = page.locator(".pledge[data-kind='call']")
    pledge.get_by_label("How did it go? (optional)").fill("Left a voicemail")
    pledge.get_by_role("button", name="I did it").click()
    expect(page.get_by_role("status")).to_have_text("Thank you! We marked it as done.")
    expect(page.locator(".pledge[data-kind='call']")).to_contain_text("Done, thank you!")
    supporter = Supporter.objects.get(email="ana.browser@example.org")
    call = supporter.actions.get(kind="call")
    assert (call.status, call.outcome_note) == (ActionStatus.COMPLETED, "Left a voicemail")
    assert supporter.actions.get(kind="testify").status == ActionStatus.PLEDGED

    # The calendar file.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar").first.click()
    download = download_info.value
    assert download.suggested_filename == "hearing.ics"
    ics = Path(download.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in ics
    assert re.search(r"DTSTART;TZID=America/Chicago:\d{8}T\d{6}", ics)
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
    )
    page.get_by_role("button", name="Inscribirme").click()

    expect(page).to_have_url(re.compile(r"/a/[^/]+/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("¡Gracias, Lucía!")
    card = page.locator(".commissioner-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Angela Brooks")  # 55735 is district 3 too

    pledge = page.locator(".pledge[data-kind='call']")
    pledge.get_by_role("button", name="Ya lo hice").click()
    expect(page.get_by_role("status")).to_have_text("¡Gracias! Lo marcamos como hecho.")
    supporter = Supporter.objects.get(email="lucia.browser@example.org")
    assert supporter.language == "es"
    assert supporter.actions.get(kind="call").status == ActionStatus.COMPLETED

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Agregar al calendario").first.click()
    ics = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "DTSTART;TZID=America/Chicago:" in ics

    page.get_by_role("link", name=re.compile("darse de baja")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Darse de baja")
    page.get_by_role("button", name="Darme de baja").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se dio de baja")
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is not None


def test_the_form_shows_errors_next_to_the_fields_and_keeps_what_was_typed(page, demo):
    sign_up(
        page,
        demo["campaign_url"],
        first=("First name", "Sam"),
        last=("Last name", "Quillfeather"),
        email=("Email", "sam@"),
        zip_code=("ZIP code", "5507"),
        language_label=("Preferred language", "en"),
        labels=["Write a letter"],
    )
    page.get_by_label("Mobile phone (optional)").fill("123")
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(demo["campaign_url"])
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
    expect(field(page, "Last name")).to_have_value("Quillfeather")
    expect(page.get_by_label("Write a letter", exact=True)).to_be_checked()
    assert not Supporter.objects.filter(last_name="Quillfeather").exists()

    # Fixing the fields signs the person up.
    field(page, "Email").fill("sam.berg@example.org")
    field(page, "ZIP code").fill("55007")
    page.get_by_label("Mobile phone (optional)").fill("")
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/a/[^/]+/$"))
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
            labels=["Write a letter"],
        )
        page.get_by_role("button", name="Sign up").click()
        expect(page.locator(".commissioner-card")).to_contain_text("Tom Lindqvist")
        page.locator(".pledge[data-kind='letter']").get_by_role("button", name="I did it").click()
        expect(page.get_by_role("status")).to_have_text("Thank you! We marked it as done.")
        supporter = Supporter.objects.get(email="noa.nojs@example.org")
        assert supporter.actions.get(kind="letter").status == ActionStatus.COMPLETED
    finally:
        context.close()
