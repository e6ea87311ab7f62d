import datetime as dt

import pytest
from django.urls import reverse

from campaign.models import ActionKind, Supporter
from tests import factories


@pytest.fixture
def campaign(pine_county):
    """The Pine County campaign with Spanish texts and an upcoming hearing."""
    campaign = pine_county["campaign"]
    campaign.name_es = "Parques del condado sin alcohol"
    campaign.goal_es = "Aprobar una ordenanza que prohíba el alcohol en los parques."
    campaign.why_it_matters = "Families deserve safe parks."
    # Counters from the first supporter (test_phone_signup covers the threshold).
    campaign.public_counts_from = 0
    campaign.save()
    return campaign


@pytest.fixture
def hearing(campaign):
    return factories.HearingFactory(
        campaign=campaign,
        title="Public hearing on the parks ordinance",
        title_es="Audiencia pública sobre la ordenanza de parques",
        starts_at=dt.datetime(2031, 3, 11, 18, 30, tzinfo=dt.UTC),  # 13:30 in Chicago (CDT)
        ends_at=dt.datetime(2031, 3, 11, 20, 30, tzinfo=dt.UTC),
        testimony_deadline=dt.datetime(2031, 3, 10, 22, 0, tzinfo=dt.UTC),
        testimony_address="clerk@county.example.gov",
    )


@pytest.fixture
def form_data():
    return {
        "first_name": "Ana",
        "last_name": "Gómez",
        "email": "Ana.Gomez@Example.org",
        "phone": "",
        "zip_code": "55072",
        "language": "es",
        "sector": "parents",
        "asks": [ActionKind.CALL, ActionKind.TESTIMONY_IN_PERSON],
        "email_updates": "on",
        "website": "",
    }


@pytest.fixture
def signup_url(campaign):
    return reverse("public:campaign", args=[campaign.slug])


def only_supporter() -> Supporter:
    return Supporter.objects.get()
