"""Spanish everywhere a volunteer looks: every string of the public pages,
the sign-up form and its errors has a Spanish translation, and the new pages
render in Spanish."""

import datetime as dt
import io
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.urls import reverse
from django.utils.translation.template import templatize

from campaign.models import ActionKind
from campaign.tokens import action_page_path
from tests import factories
from tests.public.helpers import confirm_path, known_supporter

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_SOURCES = [
    *sorted((ROOT / "templates/campaign/public").glob("*.html")),
    ROOT / "templates/base.html",
    ROOT / "templates/partials/_language_picker.html",
    ROOT / "campaign/forms/public.py",
    ROOT / "campaign/views/public.py",
    # Its errors are shown next to the form's fields.
    ROOT / "campaign/services/signup.py",
]
KEYWORDS = {"_": None, "gettext": None, "gettext_lazy": None, "ngettext": (1, 2)}


def _messages(path: Path):
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        # templatize() turns {% translate %} and friends into gettext() calls;
        # its filler lines are indented at random, which tokenize refuses.
        source = "\n".join(line.lstrip() for line in templatize(source).splitlines())
    for lineno, message, _comments, context in extract(
        "python", io.BytesIO(source.encode()), keywords=KEYWORDS
    ):
        yield lineno, message, context


def test_every_string_of_the_public_pages_has_a_spanish_translation():
    with open(ROOT / "locale/es/LC_MESSAGES/django.po", "rb") as po:
        catalog = read_po(po)
    missing = []
    for path in PUBLIC_SOURCES:
        for lineno, message, context in _messages(path):
            msgid = message[0] if isinstance(message, tuple) else message
            entry = catalog.get(msgid, context=context)
            strings = (
                entry.string
                if entry and isinstance(entry.string, tuple)
                else ((entry.string,) if entry else ("",))
            )
            if entry is None or entry.fuzzy or not all(strings):
                missing.append(f"{path.relative_to(ROOT)}:{lineno}: {msgid}")
    assert missing == []


@pytest.fixture
def session(campaign):
    return factories.HearingFactory(
        campaign=campaign,
        title="Committee work session",
        title_es="Sesión de trabajo del comité",
        starts_at=dt.datetime(2031, 3, 25, 14, 0, tzinfo=dt.UTC),
    )


@pytest.mark.django_db
def test_the_campaign_page_and_its_hearing_choice_are_in_spanish(
    client, signup_url, hearing, session, form_data
):
    body = client.get(signup_url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Próximas audiencias" in body
    assert "Para testificar o asistir: ¿a qué audiencia?" in body
    assert "Audiencia pública sobre la ordenanza de parques — 11 de marzo de 2031" in body
    assert "Sesión de trabajo del comité — 25 de marzo de 2031" in body
    assert "Cómo testificar" in body
    response = client.post(signup_url, form_data, HTTP_ACCEPT_LANGUAGE="es")
    assert "Elija la audiencia a la que vendrá." in response.content.decode()
    response = client.post(
        signup_url, {**form_data, "asks": ["meeting"]}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert "Escoja una opción válida. meeting no es una de las opciones disponibles." in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_a_campaign_without_a_hearing_says_so_in_spanish(client, signup_url):
    body = client.get(signup_url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert (
        "Todavía no hay ninguna audiencia programada. Inscríbase y le avisaremos cuando la haya."
        in body
    )


@pytest.mark.django_db
def test_the_thanks_page_is_in_spanish(client, campaign, signup_url, hearing, form_data):
    response = client.post(signup_url, form_data, HTTP_ACCEPT_LANGUAGE="es", follow=True)
    body = response.content.decode()
    assert '<html lang="es">' in body
    assert "Gracias por inscribirse" in body
    assert "Revise su correo electrónico." in body
    assert "Le enviamos un enlace a su página personal" in body
    assert "Usted se comprometió a" in body
    assert "Llamar a mi comisionado" in body
    assert "Su comisionado" in body
    assert "[su nombre]" in body
    assert "La audiencia que eligió" in body
    assert "Audiencia pública sobre la ordenanza de parques" in body
    assert "Agregar al calendario" in body


@pytest.mark.django_db
def test_the_confirm_page_and_a_dead_link_are_in_spanish(
    client, campaign, signup_url, hearing, form_data
):
    known = known_supporter(email="ana.gomez@example.org", language="es")
    client.post(signup_url, form_data)
    path = confirm_path(known)
    body = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in body  # her language, like the email she opened
    assert "Confirme su inscripción" in body
    assert "Lo que se guardará" in body
    assert "Usted se compromete a" in body
    assert "Testificar en persona en la audiencia" in body
    assert "Sí, confirmar mi inscripción" in body
    dead = f"/c/{campaign.slug}/confirm/{'A' * 43}/"
    body = client.get(dead, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Este enlace ya no funciona" in body
    assert "Ir a la página de la campaña" in body


@pytest.mark.django_db
def test_the_action_page_lists_the_hearings_in_spanish(
    client, campaign, hearing, session, pine_county
):
    supporter = factories.SupporterFactory(
        language="es", zip_code="55072", district=pine_county["districts"][2]
    )
    factories.ActionFactory(
        supporter=supporter,
        campaign=campaign,
        kind=ActionKind.ATTEND_HEARING,
        hearing=session,
    )
    body = client.get(action_page_path(supporter, campaign)).content.decode()
    assert "Sus audiencias" in body
    assert "Sesión de trabajo del comité" in body
    other = factories.SupporterFactory(language="es")
    factories.ActionFactory(supporter=other, campaign=campaign, kind=ActionKind.CALL)
    hearing.delete()
    session.delete()
    body = client.get(action_page_path(other, campaign)).content.decode()
    assert "Todavía no hay ninguna audiencia programada." in body
    assert reverse("public:campaign", args=[campaign.slug]) in body
