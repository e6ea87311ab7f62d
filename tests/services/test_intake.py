"""The intake core's rules, one test per rule, named after it.

Pine County (tests/conftest.py): districts 1-3 on the board; 55063 spans
districts 1 and 2, 55007 is district 1, 55072 district 3; one member each."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaign.models import (
    ActionKind,
    ActionSource,
    ActionStatus,
    Channel,
    ConsentEvent,
    Membership,
    Message,
    MessageKind,
    Supporter,
)
from campaign.services.intake import (
    NON_CONSTITUENT_TAG,
    PersonInput,
    Trust,
    action_record,
    consent_record,
    consents_record_attested,
    identities_load,
    place_map,
    seat_holders,
    sms_consents_request,
    supporter_intake,
    supporter_match,
    supporters_tag_non_constituent,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(pine_county):
    return pine_county


def _person(**fields):
    defaults = {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org"}
    return PersonInput(**{**defaults, **fields})


# ---------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------


def test_a_person_is_their_email_first_then_their_phone(county):
    by_email = factories.SupporterFactory(email="ana@example.org", phone=None)
    by_phone = factories.SupporterFactory(email="other@example.org", phone="+16125550199")
    # The email wins over a phone held by someone else.
    assert supporter_match(email="ANA@example.org ", phone="612-555-0199") == by_email
    assert supporter_match(email="new@example.org", phone="(612) 555-0199") == by_phone
    assert supporter_match(email="new@example.org", phone=None) is None


def test_the_batch_matcher_answers_like_the_single_one(county):
    ana = factories.SupporterFactory(email="ana@example.org", phone="+16125550101")
    ben = factories.SupporterFactory(email="ben@example.org", phone="+16125550102")
    index = identities_load(
        emails=["ana@example.org", "nobody@example.org"], phones=["+16125550102"]
    )
    cases = [
        ("ana@example.org", "+16125550102"),
        ("nobody@example.org", "+16125550102"),
        ("nobody@example.org", None),
    ]
    assert [index.pick(email=e, phone=p) for e, p in cases] == [ana, ben, None]
    assert [supporter_match(email=e, phone=p) for e, p in cases] == [ana, ben, None]


# ---------------------------------------------------------------------------
# Place
# ---------------------------------------------------------------------------


def test_a_zip_one_district_covers_places_the_supporter_there(county):
    places = place_map(body_id=county["body"].pk, zips=["55072"])
    place = places.place("55072")
    assert place.district_id == county["districts"][2].pk
    assert place.covered is True
    assert places.seat_holder(place.district_id) == county["members"][2].pk


def test_a_split_zip_keeps_a_known_district_among_its_districts(county):
    d1, d2, d3 = county["districts"]
    places = place_map(body_id=county["body"].pk, zips=["55063"])
    assert places.place("55063", d2.pk).district_id == d2.pk
    assert places.place("55063", None).district_id is None
    assert places.place("55063", d3.pk).district_id is None


def test_a_zip_outside_the_body_is_not_covered_and_keeps_another_bodys_district(county):
    city = factories.DistrictFactory(number=9, zips=["55101"])
    places = place_map(body_id=county["body"].pk, zips=["55101"])
    assert places.place("55101").covered is False
    assert places.place("55101", city.pk).district_id == city.pk


def test_the_seat_holder_is_the_first_active_member_by_name(county):
    d1 = county["districts"][0]
    county["members"][0].active = False
    county["members"][0].save()
    factories.CouncilMemberFactory(body=county["body"], district=d1, name="Zed Zimmer")
    amy = factories.CouncilMemberFactory(body=county["body"], district=d1, name="Amy Adams")
    assert seat_holders(county["body"].pk)[d1.pk] == amy.pk


# ---------------------------------------------------------------------------
# Trust: PUBLIC
# ---------------------------------------------------------------------------


def test_public_input_creates_a_new_supporter_placed_in_the_campaigns_body(county):
    result = supporter_intake(
        person=_person(zip_code="55072"), trust=Trust.PUBLIC, campaign=county["campaign"]
    )
    assert result.created is True
    supporter = Supporter.objects.get(email="ana@example.org")
    assert supporter.district == county["districts"][2]
    assert supporter.search_name == "ana ruiz"
    assert Membership.objects.filter(campaign=county["campaign"], supporter=supporter).count() == 1


def test_public_input_never_changes_a_known_supporter(county):
    known = factories.SupporterFactory(
        email="ana@example.org", first_name="Ana", last_name="Ruiz", zip_code="55007", phone=None
    )
    before = Supporter.objects.filter(pk=known.pk).values().get()
    result = supporter_intake(
        person=_person(first_name="Mallory", zip_code="55072", phone="612-555-0177"),
        trust=Trust.PUBLIC,
        campaign=county["campaign"],
    )
    assert result.held is True
    assert Supporter.objects.filter(pk=known.pk).values().get() == before
    assert not Membership.objects.filter(supporter=known).exists()


def test_public_input_is_matched_by_email_alone_and_never_takes_a_held_phone(county):
    holder = factories.SupporterFactory(email="holder@example.org", phone="+16125550177")
    result = supporter_intake(
        person=_person(phone="612-555-0177"), trust=Trust.PUBLIC, campaign=county["campaign"]
    )
    assert result.created is True
    assert result.supporter.pk != holder.pk
    assert result.supporter.phone is None
    holder.refresh_from_db()
    assert holder.email == "holder@example.org"


def test_a_supporter_outside_the_body_is_tagged_non_constituent_until_they_move_in(county):
    result = supporter_intake(
        person=_person(zip_code="55101"), trust=Trust.PUBLIC, campaign=county["campaign"]
    )
    assert list(result.supporter.tags.values_list("name", flat=True)) == [NON_CONSTITUENT_TAG]
    supporter_intake(
        person=_person(zip_code="55072"),
        trust=Trust.STAFF,
        campaign=county["campaign"],
        supporter=result.supporter,
    )
    assert not result.supporter.tags.exists()


# ---------------------------------------------------------------------------
# Trust: STAFF and OWNER
# ---------------------------------------------------------------------------


def test_staff_input_replaces_given_values_and_never_erases_with_a_blank(county):
    known = factories.SupporterFactory(
        email="ana@example.org",
        first_name="Ana",
        last_name="Ruiz",
        zip_code="55007",
        sector="youth",
    )
    supporter_intake(
        person=PersonInput(first_name="Anita", email="ana@example.org", zip_code="55072"),
        trust=Trust.STAFF,
        campaign=county["campaign"],
    )
    known.refresh_from_db()
    assert (known.first_name, known.last_name, known.zip_code, known.sector) == (
        "Anita",
        "Ruiz",
        "55072",
        "youth",
    )
    assert known.district == county["districts"][2]
    assert known.search_name == "anita ruiz"


def test_staff_input_never_takes_a_phone_someone_else_holds(county):
    factories.SupporterFactory(email="holder@example.org", phone="+16125550177")
    known = factories.SupporterFactory(email="ana@example.org", phone=None)
    supporter_intake(
        person=_person(phone="+16125550177"), trust=Trust.STAFF, campaign=county["campaign"]
    )
    known.refresh_from_db()
    assert known.phone is None


def test_an_attested_consent_never_lifts_an_unsubscribe(county):
    supporter = factories.SupporterFactory(email="ana@example.org", unsubscribed_at=timezone.now())
    assert consent_record(supporter=supporter, channel=Channel.EMAIL, source="import") is None
    supporter.refresh_from_db()
    assert supporter.email_consent_at is None
    assert supporter.unsubscribed_at is not None
    assert ConsentEvent.objects.count() == 0


def test_the_owners_consent_lifts_their_own_unsubscribe(county):
    supporter = factories.SupporterFactory(email="ana@example.org", unsubscribed_at=timezone.now())
    event = consent_record(
        supporter=supporter,
        channel=Channel.EMAIL,
        source="confirmed",
        campaign=county["campaign"],
        lift_unsubscribe=True,
    )
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is None
    assert supporter.email_consent_at == event.occurred_at
    assert (event.kind, event.source, event.campaign) == (
        ConsentEvent.Kind.GRANTED,
        "confirmed",
        county["campaign"],
    )


# ---------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------


@pytest.fixture
def constituent(county):
    return factories.SupporterFactory(
        email="ana@example.org", zip_code="55072", district=county["districts"][2]
    )


def test_a_contact_defaults_to_the_supporters_own_member(county, constituent):
    action, created = action_record(
        supporter=constituent,
        campaign=county["campaign"],
        kind=ActionKind.CALL,
        status=ActionStatus.COMPLETED,
        source=ActionSource.PHONE_BANK,
    )
    assert created is True
    assert action.target == county["members"][2]


def test_a_logged_action_makes_the_supporter_a_member_of_the_base(county, constituent):
    action_record(
        supporter=constituent,
        campaign=county["campaign"],
        kind=ActionKind.PETITION,
        status=ActionStatus.COMPLETED,
        source=ActionSource.ADMIN,
    )
    membership = Membership.objects.get(supporter=constituent)
    assert (membership.campaign, membership.source) == (county["campaign"], ActionSource.ADMIN)


def test_a_second_open_pledge_of_a_kind_returns_the_first(county, constituent):
    first, _ = action_record(
        supporter=constituent,
        campaign=county["campaign"],
        kind=ActionKind.LETTER,
        status=ActionStatus.PLEDGED,
        source=ActionSource.PUBLIC_FORM,
    )
    again, created = action_record(
        supporter=constituent,
        campaign=county["campaign"],
        kind=ActionKind.LETTER,
        status=ActionStatus.PLEDGED,
        source=ActionSource.PHONE_BANK,
    )
    assert (again.pk, created) == (first.pk, False)


def test_testimony_and_attendance_need_a_hearing(county, constituent):
    with pytest.raises(ValidationError) as error:
        action_record(
            supporter=constituent,
            campaign=county["campaign"],
            kind=ActionKind.ATTEND_HEARING,
            status=ActionStatus.COMPLETED,
            source=ActionSource.PHONE_BANK,
        )
    assert "hearing" in error.value.message_dict


def test_nobody_testified_in_person_at_a_hearing_that_has_not_started(county, constituent):
    hearing = factories.HearingFactory(campaign=county["campaign"])
    with pytest.raises(ValidationError):
        action_record(
            supporter=constituent,
            campaign=county["campaign"],
            kind=ActionKind.TESTIMONY_IN_PERSON,
            status=ActionStatus.COMPLETED,
            source=ActionSource.PHONE_BANK,
            hearing=hearing,
        )


def test_a_pledge_is_for_an_upcoming_hearing_and_due_on_its_day(county, constituent):
    past = factories.HearingFactory(
        campaign=county["campaign"], starts_at=timezone.now() - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError):
        action_record(
            supporter=constituent,
            campaign=county["campaign"],
            kind=ActionKind.ATTEND_HEARING,
            status=ActionStatus.PLEDGED,
            source=ActionSource.PHONE_BANK,
            hearing=past,
        )
    hearing = factories.HearingFactory(campaign=county["campaign"])
    action, _ = action_record(
        supporter=constituent,
        campaign=county["campaign"],
        kind=ActionKind.ATTEND_HEARING,
        status=ActionStatus.PLEDGED,
        source=ActionSource.PHONE_BANK,
        hearing=hearing,
    )
    assert action.due_date == timezone.localtime(hearing.starts_at).date()


def test_a_new_pledge_gets_its_follow_up_in_the_outbox(county, constituent):
    constituent.email_consent_at = timezone.now()
    constituent.save()
    action, _ = action_record(
        supporter=constituent,
        campaign=county["campaign"],
        kind=ActionKind.LETTER,
        status=ActionStatus.PLEDGED,
        source=ActionSource.PHONE_BANK,
    )
    rows = list(Message.objects.filter(action=action).values_list("kind", "channel"))
    assert rows == [(MessageKind.PLEDGE_FOLLOWUP, Channel.EMAIL)]


# ---------------------------------------------------------------------------
# Batch forms (bulk log, imports)
# ---------------------------------------------------------------------------


def test_staff_notes_replace_the_stored_ones_and_a_blank_keeps_them(county):
    known = factories.SupporterFactory(email="ana@example.org", notes="Met at the fair")
    supporter_intake(person=_person(notes=""), trust=Trust.STAFF)
    known.refresh_from_db()
    assert known.notes == "Met at the fair"
    supporter_intake(person=_person(notes=" Prefers calls "), trust=Trust.STAFF)
    known.refresh_from_db()
    assert known.notes == "Prefers calls"


def test_attested_consents_for_many_record_what_consent_record_records(county):
    one = factories.SupporterFactory(email="one@example.org")
    many = factories.SupporterFactory(email="many@example.org")
    single = consent_record(
        supporter=one, channel=Channel.EMAIL, source="import: sheet", campaign=county["campaign"]
    )
    assert (
        consents_record_attested(
            supporter_ids=[many.pk],
            channel=Channel.EMAIL,
            source="import: sheet",
            campaign=county["campaign"],
        )
        == 1
    )
    batch = ConsentEvent.objects.get(supporter=many)
    fields = ("channel", "kind", "source", "campaign_id", "wording")
    assert [getattr(batch, f) for f in fields] == [getattr(single, f) for f in fields]
    many.refresh_from_db()
    assert (many.email_consent_at, many.email_consent_source) == (
        batch.occurred_at,
        "import: sheet",
    )


def test_attested_consents_skip_the_unsubscribed_the_unreachable_and_the_already_agreed(county):
    gone = factories.SupporterFactory(email="gone@example.org", unsubscribed_at=timezone.now())
    no_phone = factories.SupporterFactory(email="np@example.org", phone=None)
    agreed = factories.SupporterFactory(
        phone="+16125550123", sms_consent_at=timezone.now(), sms_consent_source="sms_start"
    )
    ids = [gone.pk, no_phone.pk, agreed.pk]
    assert consents_record_attested(supporter_ids=ids, channel=Channel.SMS, source="x") == 0
    agreed.refresh_from_db()
    assert agreed.sms_consent_source == "sms_start"
    assert ConsentEvent.objects.count() == 0


def test_text_consent_is_asked_of_the_phone_not_recorded(county):
    ask = factories.SupporterFactory(phone="+16125550123")
    skipped = [
        factories.SupporterFactory(phone=None),
        factories.SupporterFactory(phone="+16125550124", unsubscribed_at=timezone.now()),
        factories.SupporterFactory(phone="+16125550125", sms_consent_at=timezone.now()),
    ]
    asked = sms_consents_request(
        supporters=[ask, *skipped], campaign=county["campaign"], wording="import: sheet"
    )
    assert asked == 1
    [request] = Message.objects.all()
    assert (request.supporter, request.kind, request.channel) == (
        ask,
        MessageKind.SMS_CONSENT_REQUEST,
        Channel.SMS,
    )
    ask.refresh_from_db()
    assert ask.sms_consent_at is None


def test_tagging_many_non_constituents_tags_and_untags_like_one_by_one(county):
    inside, outside = factories.SupporterFactory(), factories.SupporterFactory()
    supporters_tag_non_constituent(covered=[], uncovered=[inside.pk, outside.pk])
    supporters_tag_non_constituent(covered=[inside.pk], uncovered=[outside.pk])
    assert list(Supporter.objects.filter(tags__name=NON_CONSTITUENT_TAG)) == [outside]


@pytest.mark.parametrize("path", ["single", "batch"])
def test_a_completed_action_fulfils_the_open_pledge_of_its_kind(county, constituent, path):
    from campaign.services.intake import action_build, actions_record_many

    constituent.email_consent_at = timezone.now()
    constituent.save()
    pledge, _ = action_record(
        supporter=constituent,
        campaign=county["campaign"],
        kind=ActionKind.CALL,
        status=ActionStatus.PLEDGED,
        source=ActionSource.PUBLIC_FORM,
    )
    call = {
        "supporter": constituent,
        "campaign": county["campaign"],
        "kind": ActionKind.CALL,
        "status": ActionStatus.COMPLETED,
        "source": ActionSource.PHONE_BANK,
        "note": "Reached the office",
    }
    if path == "single":
        action, created = action_record(**call)
        assert (action.pk, created) == (pledge.pk, True)
    else:
        [action] = actions_record_many(actions=[action_build(**call)])
        assert action.pk == pledge.pk
    pledge.refresh_from_db()
    assert (pledge.status, pledge.outcome_note) == (ActionStatus.COMPLETED, "Reached the office")
    assert constituent.actions.count() == 1
    followup = Message.objects.get(action=pledge, kind=MessageKind.PLEDGE_FOLLOWUP)
    assert followup.status == "cancelled"


def test_a_place_map_answers_for_a_zip_it_was_not_given(county):
    """A known person's stored ZIP is placed right even when the map was read
    for other ZIPs (a bulk line with only an email)."""
    places = place_map(body_id=county["body"].pk, zips=["55007"])
    place = places.place("55072", county["districts"][2].pk)
    assert (place.district_id, place.covered) == (county["districts"][2].pk, True)


def test_a_bulk_line_with_only_an_email_keeps_a_known_persons_district(county, coordinator):
    from campaign.services.bulk_log import bulk_log

    known = factories.SupporterFactory(
        email="jack@example.org", zip_code="55072", district=county["districts"][2]
    )
    bulk_log(
        campaign=county["campaign"],
        kind=ActionKind.LETTER,
        status=ActionStatus.COMPLETED,
        text="jack@example.org\nnew@example.org,Nia Diaz,55007",
        by=coordinator,
    )
    known.refresh_from_db()
    assert known.district == county["districts"][2]
    assert not known.tags.filter(name=NON_CONSTITUENT_TAG).exists()
    assert known.actions.get().target == county["members"][2]


def test_an_import_row_with_only_an_email_keeps_a_known_persons_district(county):
    import io

    from campaign.services.imports import supporters_import

    known = factories.SupporterFactory(
        email="jack@example.org", zip_code="55072", district=county["districts"][2]
    )
    supporters_import(
        text=io.StringIO(
            "first_name,email,zip_code\nJack,jack@example.org,\nNia,nia@example.org,55007\n"
        ),
        campaign=county["campaign"],
    )
    known.refresh_from_db()
    assert known.district == county["districts"][2]
    assert not known.tags.filter(name=NON_CONSTITUENT_TAG).exists()
