"""Pine County for the asks: Maria Delgado holds district 1 (ZIP 55007; 55063
is split with district 2), Tom Lindqvist district 2, Angela Brooks district 3
(ZIP 55072). The campaign wrote no call script or letter of its own, so the
built-in texts show unless a test writes one."""

import pytest

from campaign.models import Position
from tests import factories


@pytest.fixture
def county(db):
    body = factories.DecisionBodyFactory(
        name="Pine County Board of Commissioners", jurisdiction="Pine County, Minnesota", seats=7
    )
    d1 = factories.DistrictFactory(body=body, number=1, zips=["55063", "55007"])
    d2 = factories.DistrictFactory(body=body, number=2, zips=["55063", "55030"])
    d3 = factories.DistrictFactory(body=body, number=3, zips=["55072"])
    maria = factories.CouncilMemberFactory(
        body=body,
        district=d1,
        name="Maria Delgado",
        title_es="Comisionada",
        phone="+16125550123",
        email="maria.delgado@county.example.gov",
        office_address="315 Main St, Pine City, MN 55063",
    )
    tom = factories.CouncilMemberFactory(
        body=body,
        district=d2,
        name="Tom Lindqvist",
        title_es="Comisionado",
        phone="+16125550124",
        email="tom.lindqvist@county.example.gov",
    )
    angela = factories.CouncilMemberFactory(
        body=body, district=d3, name="Angela Brooks", title_es="", phone="", email=""
    )
    campaign = factories.CampaignFactory(
        decision_body=body,
        name="Alcohol-free county parks",
        name_es="Parques sin alcohol",
        slug="parks-alcohol-ordinance",
        call_script="",
        letter_subject="",
        letter_template="",
        asks=["call", "letter", "testify", "attend", "phone_bank"],
    )
    return {
        "body": body,
        "districts": [d1, d2, d3],
        "maria": maria,
        "tom": tom,
        "angela": angela,
        "campaign": campaign,
    }


@pytest.fixture
def stance(county):
    """stance(member, position): record a member's current stance."""

    def record(member, position=Position.UNDECIDED):
        return factories.StanceFactory(
            campaign=county["campaign"], member=member, position=position
        )

    return record
