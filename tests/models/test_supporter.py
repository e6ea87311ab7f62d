import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from campaign.models import Supporter, normalize_phone
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_stores_email_lowercased_on_clean():
    supporter = Supporter(first_name="Ana", email="  Ana.Lopez@Example.ORG ")
    supporter.full_clean()
    assert supporter.email == "ana.lopez@example.org"


def test_it_refuses_a_second_supporter_with_the_same_email_in_other_case():
    factories.SupporterFactory(email="ana@example.org")
    duplicate = Supporter(first_name="Ana", email="ANA@example.org")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "email" in error.value.message_dict


def test_the_database_refuses_an_uppercase_email():
    with pytest.raises(IntegrityError), transaction.atomic():
        Supporter.objects.create(first_name="Ana", email="Ana@Example.org")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(612) 555-0123", "+16125550123"),
        ("612.555.0123", "+16125550123"),
        ("+1 612 555 0123", "+16125550123"),
        ("+52 55 1234 5678", "+525512345678"),
    ],
)
def test_it_normalises_phones_to_e164(typed, stored):
    assert normalize_phone(typed) == stored


def test_it_rejects_an_impossible_phone_number_next_to_the_field():
    supporter = Supporter(first_name="Ana", phone="12345")
    with pytest.raises(ValidationError) as error:
        supporter.full_clean()
    assert error.value.message_dict == {"phone": ["Enter a valid phone number."]}


def test_it_needs_an_email_or_a_phone():
    supporter = Supporter(first_name="Ana")
    with pytest.raises(ValidationError) as error:
        supporter.full_clean()
    assert error.value.message_dict == {
        "email": ["Give an email address or a mobile phone number."]
    }


def test_the_database_refuses_a_supporter_without_email_or_phone():
    with pytest.raises(IntegrityError), transaction.atomic():
        Supporter.objects.create(first_name="Ana")


def test_it_refuses_two_supporters_with_the_same_phone():
    factories.SupporterFactory(email=None, phone="+16125550123")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SupporterFactory(email=None, phone="+16125550123")


def test_it_rejects_a_zip_that_is_not_five_digits():
    supporter = Supporter(first_name="Ana", email="ana@example.org", zip_code="5506")
    with pytest.raises(ValidationError) as error:
        supporter.full_clean()
    assert error.value.message_dict == {"zip_code": ["Enter a 5-digit ZIP code."]}


def test_it_keeps_the_five_digit_part_of_a_zip_plus_four(pine_county):
    supporter = Supporter(first_name="Ana", email="ana@example.org", zip_code="55072-1234")
    supporter.full_clean()
    assert supporter.zip_code == "55072"


def test_clean_leaves_the_district_to_the_intake_cores_place_rule(pine_county):
    # One district covers 55072, but placing is the intake core's job
    # (tests/services/test_intake.py), not the model's.
    supporter = Supporter(first_name="Ana", email="ana@example.org", zip_code="55072")
    supporter.full_clean()
    assert supporter.district is None


def test_it_leaves_the_district_empty_for_a_zip_spanning_two_districts(pine_county):
    supporter = Supporter(first_name="Ana", email="ana@example.org", zip_code="55063")
    supporter.full_clean()
    assert supporter.district is None


def test_it_keeps_a_district_set_by_hand(pine_county):
    district_2 = pine_county["districts"][1]
    supporter = Supporter(
        first_name="Ana", email="ana@example.org", zip_code="55063", district=district_2
    )
    supporter.full_clean()
    assert supporter.district == district_2


def test_reachability_respects_consent_and_unsubscribe():
    from django.utils import timezone

    now = timezone.now()
    consenting = factories.SupporterFactory(
        email_consent_at=now, sms_consent_at=now, phone="+16125550111"
    )
    unsubscribed = factories.SupporterFactory(email_consent_at=now, unsubscribed_at=now)
    no_consent = factories.SupporterFactory()
    assert list(Supporter.objects.reachable_by_email()) == [consenting]
    assert list(Supporter.objects.reachable_by_sms()) == [consenting]
    assert (unsubscribed.can_receive_email, no_consent.can_receive_email) == (False, False)
