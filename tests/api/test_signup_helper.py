"""person_signup_helper: find (foreign id, email, then phone) or create through
the intake core; consent only as the client attests it."""

import pytest
from django.utils import timezone

from campaign.models import (
    ConsentEvent,
    Membership,
    Message,
    MessageKind,
    Supporter,
    SupporterIdentifier,
)
from campaign.services.privacy import suppressions_record
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/osdi/v1/people/person_signup_helper"


def _person(**fields):
    return {"given_name": "Bo", "family_name": "Lind", **fields}


def _post(api, person, **body):
    return api.post(URL, {"person": person, **body}, format="json")


def test_a_new_person_is_created_with_201(api, pine_county):
    response = _post(
        api,
        _person(
            email_addresses=[{"address": "Bo@Example.org"}],
            phone_numbers=[{"number": "612-555-0199"}],
            postal_addresses=[{"address_lines": ["1 Elm St", ""], "postal_code": "55072-1234"}],
            languages_spoken=["fr", "es"],
        ),
    )
    assert response.status_code == 201
    supporter = Supporter.objects.get()
    assert (
        supporter.first_name,
        supporter.last_name,
        supporter.email,
        supporter.phone,
        supporter.zip_code,
        supporter.street_address,
        supporter.language,
        supporter.district,
    ) == (
        "Bo",
        "Lind",
        "bo@example.org",
        "+16125550199",
        "55072",
        "1 Elm St",
        "es",
        pine_county["districts"][2],
    )
    assert response.json()["identifiers"] == [f"groundswell:{supporter.pk}"]


def test_it_records_no_consent_unless_attested(api, db):
    _post(
        api,
        _person(
            email_addresses=[{"address": "bo@example.org"}],
            phone_numbers=[{"number": "6125550199", "sms_capable": True}],
        ),
    )
    supporter = Supporter.objects.get()
    assert (supporter.email_consent_at, supporter.sms_consent_at) == (None, None)
    assert not ConsentEvent.objects.exists()
    assert not Message.objects.exists()


def test_a_subscribed_email_records_email_consent_with_the_keys_source(api, write_key, db):
    _post(api, _person(email_addresses=[{"address": "bo@example.org", "status": "subscribed"}]))
    supporter = Supporter.objects.get()
    event = ConsentEvent.objects.get()
    source = f"api:{write_key[0].prefix}"
    assert (event.supporter, event.channel, event.kind, event.source) == (
        supporter,
        "email",
        "granted",
        source,
    )
    assert (supporter.email_consent_at, supporter.email_consent_source) == (
        event.occurred_at,
        source,
    )


def test_an_sms_opt_in_only_asks_the_phone_to_reply_yes(api, pine_county):
    _post(
        api,
        _person(
            phone_numbers=[{"number": "6125550199", "sms_capable": True, "status": "subscribed"}]
        ),
        **{"groundswell:campaign": "parks-alcohol-ordinance"},
    )
    supporter = Supporter.objects.get()
    message = Message.objects.get()
    assert (message.kind, message.channel, message.supporter, message.campaign) == (
        MessageKind.SMS_CONSENT_REQUEST,
        "sms",
        supporter,
        pine_county["campaign"],
    )
    assert supporter.sms_consent_at is None
    assert not ConsentEvent.objects.exists()


def test_subscribed_without_sms_capable_asks_nothing(api, db):
    _post(api, _person(phone_numbers=[{"number": "6125550199", "status": "subscribed"}]))
    assert not Message.objects.exists()


def test_an_attested_consent_never_lifts_an_unsubscribe(api, db):
    supporter = factories.SupporterFactory(email="bo@example.org", unsubscribed_at=timezone.now())
    response = _post(
        api, _person(email_addresses=[{"address": "bo@example.org", "status": "subscribed"}])
    )
    assert response.status_code == 200
    supporter.refresh_from_db()
    assert (supporter.email_consent_at, ConsentEvent.objects.count()) == (None, 0)
    assert response.json()["email_addresses"][0]["status"] == "unsubscribed"


def test_a_known_email_is_the_same_person_with_200(api, db):
    supporter = factories.SupporterFactory(first_name="Bo", email="bo@example.org", zip_code="")
    response = _post(
        api,
        _person(
            email_addresses=[{"address": "BO@example.org"}],
            postal_addresses=[{"postal_code": "55063"}],
        ),
    )
    assert (response.status_code, Supporter.objects.count()) == (200, 1)
    supporter.refresh_from_db()
    assert supporter.zip_code == "55063"


def test_without_a_known_email_a_known_phone_is_the_same_person(api, db):
    supporter = factories.SupporterFactory(email=None, phone="+16125550199")
    response = _post(
        api,
        _person(
            email_addresses=[{"address": "bo@example.org"}],
            phone_numbers=[{"number": "6125550199"}],
        ),
    )
    assert (response.status_code, Supporter.objects.count()) == (200, 1)
    supporter.refresh_from_db()
    assert supporter.email == "bo@example.org"


def test_the_email_wins_over_the_phone(api, db):
    by_email = factories.SupporterFactory(email="bo@example.org", phone=None)
    factories.SupporterFactory(email="cy@example.org", phone="+16125550199")
    response = _post(
        api,
        _person(
            email_addresses=[{"address": "bo@example.org"}],
            phone_numbers=[{"number": "6125550199"}],
        ),
    )
    assert response.json()["identifiers"][0] == f"groundswell:{by_email.pk}"
    by_email.refresh_from_db()
    # The phone another person holds is never taken.
    assert by_email.phone is None


def test_a_known_foreign_id_finds_the_person_first(api, db):
    supporter = factories.SupporterFactory(email="bo@example.org")
    SupporterIdentifier.objects.create(supporter=supporter, scheme="action_network", value="u1")
    response = _post(
        api,
        _person(
            identifiers=["action_network:u1"],
            email_addresses=[{"address": "new-address@example.org"}],
        ),
    )
    assert (response.status_code, Supporter.objects.count()) == (200, 1)


def test_foreign_ids_are_kept_as_sent(api, db):
    response = _post(
        api,
        _person(
            identifiers=["action_network:1c2D-3e", "groundswell:999", "van:55"],
            email_addresses=[{"address": "bo@example.org"}],
        ),
    )
    supporter = Supporter.objects.get()
    assert response.json()["identifiers"] == [
        f"groundswell:{supporter.pk}",
        "action_network:1c2D-3e",
        "van:55",
    ]


def test_a_foreign_id_another_person_holds_stays_theirs(api, db):
    holder, other = factories.SupporterFactory(), factories.SupporterFactory()
    SupporterIdentifier.objects.create(supporter=holder, scheme="van", value="55")
    api.put(f"/api/osdi/v1/people/{other.pk}", {"identifiers": ["van:55", "van:56"]}, format="json")
    assert sorted(SupporterIdentifier.objects.values_list("value", "supporter")) == [
        ("55", holder.pk),
        ("56", other.pk),
    ]


def test_add_tags(api, db):
    _post(
        api,
        _person(email_addresses=[{"address": "bo@example.org"}]),
        add_tags=["volunteer", "volunteer", "youth"],
    )
    assert sorted(Supporter.objects.get().tags.values_list("name", flat=True)) == [
        "volunteer",
        "youth",
    ]


def test_with_a_campaign_the_person_joins_its_base(api, pine_county):
    _post(
        api,
        _person(email_addresses=[{"address": "bo@example.org"}]),
        **{"groundswell:campaign": "parks-alcohol-ordinance"},
    )
    membership = Membership.objects.get()
    assert (membership.supporter, membership.campaign, membership.source) == (
        Supporter.objects.get(),
        pine_county["campaign"],
        "api",
    )


def test_an_unknown_campaign_is_refused(api, db):
    response = _post(
        api,
        _person(email_addresses=[{"address": "bo@example.org"}]),
        **{"groundswell:campaign": "nope"},
    )
    assert (response.status_code, response.json()) == (
        400,
        {"groundswell:campaign": ["No campaign has this slug."]},
    )
    assert not Supporter.objects.exists()


def test_a_person_needs_an_email_or_a_phone(api, db):
    response = _post(api, _person())
    assert (response.status_code, response.json()) == (
        400,
        {"person": {"non_field_errors": ["Give an email address or a phone number."]}},
    )


def test_an_impossible_phone_is_refused(api, db):
    response = _post(api, _person(phone_numbers=[{"number": "12"}]))
    assert (response.status_code, response.json()) == (
        400,
        {"errors": {"detail": ["Enter a valid phone number."]}},
    )


def test_an_erased_address_is_refused(api, db):
    suppressions_record(values=["gone@example.org"])
    response = _post(api, _person(email_addresses=[{"address": "gone@example.org"}]))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]
    assert not Supporter.objects.exists()
