"""Hole 4 of the privacy issue: a ZIP typed in full-width or Arabic-Indic
digits was stored as typed and the person tagged non-constituent. Every path
stores it in ASCII digits and places the person in their district."""

import pytest

from campaign.models import Supporter, normalize_zip
from campaign.services.intake import PersonInput, Trust, supporter_intake

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("５５０３０", "55030"), ("٥٥٠٣٠", "55030"), ("۵۵۰۳۰-۱۲۳۴", "55030"), ("55030", "55030")],
)
def test_zip_digits_of_any_script_are_stored_in_ascii(typed, stored):
    assert normalize_zip(typed) == stored


def test_a_full_width_zip_places_the_person_in_their_district(pine_county):
    campaign = pine_county["campaign"]
    district = pine_county["districts"][0]
    zip_code = district.zips.first().zip_code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in zip_code)
    result = supporter_intake(
        person=PersonInput(first_name="Ana", email="ana@example.org", zip_code=full_width),
        campaign=campaign,
        trust=Trust.PUBLIC,
    )
    supporter = Supporter.objects.get(pk=result.supporter.pk)
    assert (supporter.zip_code, supporter.district_id) == (zip_code, district.pk)
    assert list(supporter.tags.values_list("name", flat=True)) == []


def test_the_public_form_stores_arabic_indic_digits_as_ascii(client, pine_county):
    campaign = pine_county["campaign"]
    response = client.post(
        f"/c/{campaign.slug}/",
        {
            "first_name": "Ana",
            "last_name": "Gómez",
            "email": "ana@example.org",
            "zip_code": "٥٥٠٧٢",
            "language": "es",
            "asks": ["call"],
            "website": "",
        },
    )
    assert response.status_code == 302
    assert "zip=55072" in response["Location"]
    assert Supporter.objects.get().zip_code == "55072"
