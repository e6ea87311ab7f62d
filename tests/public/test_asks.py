"""Issue #10, finding 3: the public form offers the campaign's asks and only
those; a campaign may offer none, and signing up still joins its base."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from campaign import selectors
from campaign.models import (
    Action,
    ActionKind,
    ActionSource,
    Campaign,
    Membership,
    Message,
    Supporter,
)
from campaign.models.campaigns import default_asks
from tests import factories

pytestmark = pytest.mark.django_db


def ask_values(body: str) -> list[str]:
    return re.findall(r'<input type="checkbox"[^>]*name="asks" value="(\w+)"', body)


def test_only_the_campaigns_asks_are_offered_in_its_order(client, campaign, hearing, signup_url):
    campaign.asks = [ActionKind.PETITION, ActionKind.CALL]
    campaign.save()
    body = client.get(signup_url).content.decode()
    assert ask_values(body) == ["petition", "call"]
    assert "Sign the petition" in body and "Call my commissioner" in body
    for label in ("Write a letter", "Testify at the hearing in person", "Help phone-bank"):
        assert label not in body
    # No hearing ask offered: no hearing to choose either.
    assert 'name="hearing"' not in body


def test_a_campaign_without_asks_shows_none_and_a_signup_still_joins_its_base(
    client, campaign, hearing, signup_url, form_data
):
    campaign.asks = []
    campaign.save()
    body = client.get(signup_url).content.decode()
    assert ask_values(body) == []
    assert "I will…" not in body
    assert "Call my commissioner" not in body

    data = {key: value for key, value in form_data.items() if key != "asks"}
    response = client.post(signup_url, data)
    assert response.status_code == 302
    assert response["Location"] == "/c/parks-alcohol-ordinance/thanks/?zip=55072"
    supporter = Supporter.objects.get()
    assert Action.objects.count() == 0
    membership = Membership.objects.get()
    assert (membership.campaign, membership.supporter, membership.source) == (
        campaign,
        supporter,
        ActionSource.PUBLIC_FORM,
    )
    # Counted in the base: the public "Supporters" figure and the dashboard's.
    assert client.get(signup_url).context["progress"].supporters == 1
    assert selectors.campaign_supporters(campaign).get() == supporter


def test_an_ask_the_campaign_does_not_offer_is_an_error_next_to_the_field(
    client, campaign, hearing, signup_url, form_data
):
    campaign.asks = [ActionKind.CALL, ActionKind.LETTER]
    campaign.save()
    response = client.post(signup_url, {**form_data, "asks": ["call", "meeting"]})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<fieldset aria-describedby="id_asks_error">' in body
    assert re.search(
        r'<div id="id_asks_error" class="invalid-feedback">\s*<p [^>]*><strong>'
        r"Select a valid choice. meeting is not one of the available choices.</strong>",
        body,
    )
    assert "Please correct the fields marked below." in body
    assert 'value="Gómez"' in body  # what was typed is kept
    assert (
        Supporter.objects.count(),
        Action.objects.count(),
        Membership.objects.count(),
        Message.objects.count(),
    ) == (0, 0, 0, 0)


# The admin
# ------------------------------------------------------------------------------
class _FormReader(HTMLParser):
    """What a browser would submit from the admin's add form, untouched."""

    def __init__(self):
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._selected = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value", "on")))
            else:
                self.data.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._selected = name, False
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
            self._selected = True
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            name, text = self.data.pop()
            self.data.append((name, text + data))


def test_a_campaign_added_in_the_admin_without_touching_the_asks_gets_the_default_asks(
    client, admin, pine_county
):
    client.force_login(admin)
    url = reverse("admin:campaign_campaign_add")
    page = client.get(url).content.decode()
    # The default asks are ticked on the empty form.
    ticked = re.findall(r'<input type="checkbox" name="asks" value="(\w+)"[^>]*checked', page)
    assert ticked == default_asks()

    reader = _FormReader()
    reader.feed(page)
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    # What a coordinator types; the asks are left as the page shows them.
    data.update(
        name=["Safe routes to school"],
        slug=["safe-routes"],
        decision_body=[str(pine_county["body"].pk)],
        goal=["Fund crossing guards."],
    )
    data.pop("_addanother", None), data.pop("_continue", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Campaign.objects.get(slug="safe-routes").asks == default_asks()


def test_unticking_every_ask_in_the_admin_saves_none(client, admin, campaign):
    client.force_login(admin)
    factories.HearingFactory(campaign=campaign)
    url = reverse("admin:campaign_campaign_change", args=[campaign.pk])
    reader = _FormReader()
    reader.feed(client.get(url).content.decode())
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        if name != "asks":
            data.setdefault(name, []).append(value)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign.refresh_from_db()
    assert campaign.asks == []
