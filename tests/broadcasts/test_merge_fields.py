"""Merge fields: checked before saving, filled per recipient, never left as braces."""

import datetime as dt
import zoneinfo

import pytest

from campaign.models import Broadcast
from campaign.services.broadcasts import (
    MergeSource,
    broadcast_check,
    broadcast_render,
    merge_errors,
    supporter_merge_source,
)
from tests.broadcasts.conftest import make_broadcast

pytestmark = pytest.mark.django_db


def check(**texts):
    values = {"channel": "email", "subject": "Hi", "subject_es": "", "body": "Body", "body_es": ""}
    return broadcast_check(**{**values, **texts})


def test_known_fields_pass():
    assert (
        merge_errors(
            "Hi {first_name}, {commissioner} {district} {hearing_date} "
            "{hearing_place} {action_link}"
        )
        == []
    )


def test_an_unknown_field_is_an_error_naming_it():
    assert check(body="Hi {name}")["body"] == [
        "Unknown merge field: {name}. Use one of: {first_name}, {commissioner}, {district}, "
        "{hearing_date}, {hearing_place}, {action_link}."
    ]


def test_double_braces_are_an_error():
    assert "body_es" in check(body_es="Hola {{first_name}}", subject_es="Hola")


def test_unbalanced_braces_are_an_error():
    assert len(check(subject="Hi {first_name").get("subject", [])) == 1
    assert len(check(body="Hi first_name}").get("body", [])) == 1


def test_an_email_needs_an_english_subject_and_body():
    assert set(check(subject="", body="")) == {"subject", "body"}


def test_a_spanish_body_needs_a_spanish_subject_by_email():
    assert set(check(body_es="Hola")) == {"subject_es"}


def test_an_sms_needs_no_subject_but_a_bounded_length():
    assert check(channel="sms", subject="") == {}
    assert set(check(channel="sms", subject="", body="x" * 481)) == {"body"}


def test_values_of_a_recipient_are_filled(world):
    m1 = world["members"][0]
    m1.title_es = "Comisionada"
    m1.save()
    broadcast = make_broadcast(world)
    source = supporter_merge_source(broadcast=broadcast, supporter=world["ana"])
    assert broadcast_render(broadcast=broadcast, source=source, language="en") == (
        "Hello Ana",
        f"Dear Ana, call Commissioner Member 1 of {world['districts'][0].name}.",
    )
    assert broadcast_render(broadcast=broadcast, source=source, language="es")[1] == (
        f"Hola Ana, llame a Comisionada Member 1 de {world['districts'][0].name}."
    )


def test_missing_values_read_as_neutral_words_in_the_recipient_language(world):
    broadcast = make_broadcast(
        world,
        body="{commissioner}|{district}|{hearing_date}|{hearing_place}",
        body_es="{commissioner}|{district}|{hearing_date}|{hearing_place}",
    )
    fay = supporter_merge_source(broadcast=broadcast, supporter=world["fay"])
    assert broadcast_render(broadcast=broadcast, source=fay, language="es")[1] == (
        "su comisionado(a)|su distrito|la fecha de la audiencia|el lugar de la audiencia"
    )
    assert broadcast_render(broadcast=broadcast, source=fay, language="en")[1] == (
        "your commissioner|your district|the hearing date|the hearing place"
    )


def test_hearing_date_and_place_come_from_the_broadcast_hearing(world):
    hearing = world["hearing"]
    hearing.starts_at = dt.datetime(2026, 3, 3, 18, 30, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
    hearing.save()
    broadcast = make_broadcast(
        world,
        hearing=hearing,
        body="{hearing_date} at {hearing_place}",
        body_es="{hearing_date} en {hearing_place}",
    )
    assert broadcast_render(broadcast=broadcast, source=MergeSource(), language="en")[1] == (
        "Tuesday, March 3, 6:30 PM at County Government Center, Board Room, "
        "315 Main St, Pine City, MN 55063"
    )
    assert broadcast_render(broadcast=broadcast, source=MergeSource(), language="es")[1] == (
        "martes 3 de marzo, 18:30 en County Government Center, Board Room, "
        "315 Main St, Pine City, MN 55063"
    )


def test_spanish_speakers_get_english_when_no_spanish_was_written(world):
    broadcast = make_broadcast(world, subject_es="", body_es="")
    source = MergeSource(first_name="Beto")
    assert broadcast_render(broadcast=broadcast, source=source, language="es")[0] == "Hello Beto"


def test_the_action_link_is_minted_only_when_the_text_uses_it(world):
    from campaign.models import SupporterLink

    broadcast = make_broadcast(world, body="Go: {action_link}")
    source = supporter_merge_source(broadcast=broadcast, supporter=world["ana"])
    assert source.action_link.startswith("https://groundswell.example.org/")
    assert SupporterLink.objects.filter(supporter=world["ana"]).count() == 1
    plain = make_broadcast(world)
    supporter_merge_source(broadcast=plain, supporter=world["beto"])
    assert not SupporterLink.objects.filter(supporter=world["beto"]).exists()


def test_a_value_holding_braces_is_not_merged_again(world):
    ana = world["ana"]
    ana.first_name = "{district}"
    broadcast = Broadcast(campaign=world["campaign"], body="Hi {first_name}")
    source = supporter_merge_source(broadcast=broadcast, supporter=ana)
    assert broadcast_render(broadcast=broadcast, source=source, language="en")[1] == "Hi {district}"
