"""Each preset on its fixture file: detection, the mapping, and exactly what
the intake core makes of the rows (created, merged, rejected, consents,
foreign ids, tags). Figures per source are in the closing note of issue 13."""

import io

import pytest

from campaign.models import ConsentEvent, Message, MessageKind, Supporter, SupporterIdentifier
from campaign.services.import_presets import column_key, column_map_build, preset_detect
from campaign.services.imports import file_header_read, file_mapping_choose, supporters_import

from .conftest import fixture_bytes

pytestmark = pytest.mark.django_db

SOURCES = {
    "action_network.csv": "action_network",
    "nationbuilder.csv": "nationbuilder",
    "mobilize.csv": "mobilize",
    "van.csv": "van",
}


def header(name):
    return file_header_read(handle=io.BytesIO(fixture_bytes(name)), excel=False)


def run(name, campaign=None):
    source, column_map = file_mapping_choose(header(name))
    text = io.TextIOWrapper(io.BytesIO(fixture_bytes(name)), encoding="utf-8-sig", newline="")
    return supporters_import(text=text, campaign=campaign, source=source, column_map=column_map)


def emails_consented():
    return sorted(Supporter.objects.exclude(email_consent_at=None).values_list("email", flat=True))


def yes_asked():
    return sorted(
        Message.objects.filter(kind=MessageKind.SMS_CONSENT_REQUEST).values_list(
            "supporter__email", flat=True
        )
    )


def identifiers():
    return sorted(str(i) for i in SupporterIdentifier.objects.all())


def tags_of(email):
    return sorted(Supporter.objects.get(email=email).tags.values_list("name", flat=True))


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_export_is_recognised_by_its_header_row(name):
    assert preset_detect(header(name)).key == SOURCES[name]


def test_a_file_in_groundswells_own_columns_is_no_preset():
    assert preset_detect(["first_name", "last_name", "email", "phone", "zip_code"]) is None
    assert file_mapping_choose(["first_name", "email"]) == ("groundswell", {})


def test_column_names_are_compared_folded():
    assert column_key("\ufeffEmail Subscription Status ") == "email_subscription_status"


def test_the_action_network_mapping_names_each_column_it_reads():
    mapping = column_map_build(
        preset_detect(header("action_network.csv")), header("action_network.csv")
    )
    assert mapping == {
        "uuid": "foreign_id",
        "first_name": "first_name",
        "last_name": "last_name",
        "email": "email",
        "can2_phone": "phone",
        "can2_user_address": "street_address",
        "zip_code": "zip_code",
        "language": "language",
        "can2_user_tags": "tags",
        "can2_subscription_status": "email_opt_in",
        "can2_sms_status": "sms_opt_in",
    }


def test_the_van_mapping_prefers_the_cell_phone_and_the_preferred_email():
    mapping = column_map_build(preset_detect(header("van.csv")), header("van.csv"))
    assert mapping["Cell Phone"] == "phone" and mapping["Preferred Email"] == "email"
    assert list(mapping).index("Cell Phone") < list(mapping).index("Home Phone")


# --- Action Network ---------------------------------------------------------


def test_action_network_rows_created_merged_and_rejected(rosa, pine_county):
    result = run("action_network.csv", pine_county["campaign"])
    assert (result.total_rows, result.created, result.updated) == (6, 3, 2)
    assert result.errors == [{"row": 5, "field": "email", "error": "Enter a valid email address."}]
    assert sorted(Supporter.objects.values_list("email", flat=True)) == [
        "jose@example.org",
        "ngozi@example.org",
        "rosa@example.org",
        "zoe@example.org",
    ]


def test_action_network_consent_only_where_subscribed(rosa, pine_county):
    run("action_network.csv", pine_county["campaign"])
    # Zoë unsubscribed and Ngozi bouncing: nothing recorded for them.
    assert emails_consented() == ["jose@example.org", "rosa@example.org"]
    assert (
        sorted(ConsentEvent.objects.values_list("source", flat=True))
        == ["import: Action Network export, email opt in"] * 2
    )
    # José's SMS "subscribed" asks his phone for a YES; nothing more.
    assert yes_asked() == ["jose@example.org"]
    assert Supporter.objects.exclude(sms_consent_at=None).count() == 0


def test_action_network_ids_tags_and_fields(rosa, pine_county):
    run("action_network.csv", pine_county["campaign"])
    assert identifiers() == [
        f"action_network:7c1a3e52-0d1b-4b3e-9a57-0a1f2c3d4e0{n}" for n in (1, 2, 3, 5)
    ]
    assert tags_of("jose@example.org") == ["parks", "testimony", "volunteer"]
    assert "parents" in tags_of("rosa@example.org")
    jose = Supporter.objects.get(email="jose@example.org")
    assert (jose.first_name, jose.last_name, jose.street_address, jose.language) == (
        "José",
        "Martínez",
        "12 Elm St, Apt 3",
        "es",
    )
    assert Supporter.objects.get(email="zoe@example.org").zip_code == "55007"


# --- NationBuilder ----------------------------------------------------------


def test_nationbuilder_rows_created_merged_and_rejected(rosa, pine_county):
    result = run("nationbuilder.csv", pine_county["campaign"])
    # Ana's second row has no email: her mobile number finds her.
    assert (result.total_rows, result.created, result.updated) == (5, 2, 2)
    assert result.errors == [{"row": 4, "field": "first_name", "error": "This field is required."}]
    assert Supporter.objects.count() == 3


def test_nationbuilder_consent_only_where_opted_in(rosa, pine_county):
    run("nationbuilder.csv", pine_county["campaign"])
    assert emails_consented() == ["ana@example.org", "li@example.org"]
    assert yes_asked() == ["ana@example.org"]


def test_nationbuilder_ids_tags_and_an_unknown_language(rosa, pine_county):
    run("nationbuilder.csv", pine_county["campaign"])
    assert identifiers() == ["nationbuilder:101", "nationbuilder:102", "nationbuilder:104"]
    assert tags_of("ana@example.org") == ["hearing", "parents", "volunteer"]
    # "Mandarin" is not a language the campaign writes in: kept, left blank.
    li = Supporter.objects.get(email="li@example.org")
    assert (li.language, li.phone) == ("en", "+13205550105")
    assert Supporter.objects.get(email="ana@example.org").street_address == "5 Oak Ave, Unit 2"


# --- Mobilize ---------------------------------------------------------------


def test_mobilize_rows_created_merged_and_rejected(rosa, pine_county):
    result = run("mobilize.csv", pine_county["campaign"])
    assert (result.total_rows, result.created, result.updated) == (5, 2, 2)
    assert result.errors == [{"row": 6, "field": "phone", "error": "Enter a valid phone number."}]


def test_mobilize_attests_texts_only_never_email(rosa, pine_county):
    run("mobilize.csv", pine_county["campaign"])
    assert emails_consented() == []
    assert yes_asked() == ["marisol@example.org"]
    assert identifiers() == ["mobilize:3001", "mobilize:3002", "mobilize:3003"]


# --- EveryAction/VAN --------------------------------------------------------


def test_van_rows_created_merged_and_rejected(rosa, pine_county):
    result = run("van.csv", pine_county["campaign"])
    assert (result.total_rows, result.created, result.updated) == (5, 2, 2)
    assert result.errors == [{"row": 4, "field": "zip_code", "error": "Enter a 5-digit ZIP code."}]


def test_van_consent_only_where_subscribed(rosa, pine_county):
    run("van.csv", pine_county["campaign"])
    assert emails_consented() == ["lucia@example.org"]
    # Bao opted in to texts but gave no phone: nobody to ask.
    assert yes_asked() == ["lucia@example.org"]
    assert identifiers() == ["van:100001", "van:100002", "van:100004"]
    lucia = Supporter.objects.get(email="lucia@example.org")
    assert (lucia.first_name, lucia.last_name, lucia.street_address, lucia.phone) == (
        "Lucía",
        "Hernández",
        "77 Pine St, Apt 4B",
        "+13205550104",
    )


# --- Every source -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_running_the_same_file_again_adds_nothing(name, rosa, pine_county):
    run(name, pine_county["campaign"])
    counts = (
        Supporter.objects.count(),
        ConsentEvent.objects.count(),
        Message.objects.count(),
        SupporterIdentifier.objects.count(),
        Supporter.tags.through.objects.count(),
        pine_county["campaign"].memberships.count(),
    )
    result = run(name, pine_county["campaign"])
    assert result.created == 0
    assert (
        Supporter.objects.count(),
        ConsentEvent.objects.count(),
        Message.objects.count(),
        SupporterIdentifier.objects.count(),
        Supporter.tags.through.objects.count(),
        pine_county["campaign"].memberships.count(),
    ) == counts


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_without_a_campaign_no_phone_is_asked(name, rosa):
    run(name)
    assert yes_asked() == []


def test_an_unsubscribed_person_stays_unsubscribed(rosa, pine_county):
    from django.utils import timezone

    Supporter.objects.filter(pk=rosa.pk).update(unsubscribed_at=timezone.now())
    run("action_network.csv", pine_county["campaign"])
    assert emails_consented() == ["jose@example.org"]
