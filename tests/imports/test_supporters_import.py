"""The supporter import service: what lands in the database, row by row."""

import pytest
from django.db import transaction
from django.utils import timezone

from campaign.models import ConsentEvent, Membership, Message, MessageKind, Supporter, Tag
from campaign.services import imports
from campaign.services.imports import ImportFileError, supporters_import, supporters_parse
from campaign.services.intake import NON_CONSTITUENT_TAG
from tests import factories
from tests.imports.conftest import METHODS, csv_lines

pytestmark = pytest.mark.django_db


def test_it_creates_new_supporters_with_normalised_fields(method, pine_county):
    result = supporters_import(
        text=csv_lines(
            "Ana,Lopez,Ana.Lopez@Example.ORG,(612) 555-0123,55007,es",
            "Ben,Okafor,ben@example.org,,55063-1234,",
        ),
        method=method,
    )
    assert (result.total_rows, result.created, result.updated, result.errors) == (2, 2, 0, [])
    ana = Supporter.objects.get(email="ana.lopez@example.org")
    assert (ana.first_name, ana.last_name, ana.phone, ana.zip_code, ana.language) == (
        "Ana",
        "Lopez",
        "+16125550123",
        "55007",
        "es",
    )
    assert ana.district == pine_county["districts"][0]
    ben = Supporter.objects.get(email="ben@example.org")
    # 55063 spans districts 1 and 2: no district, default language.
    assert (ben.zip_code, ben.district, ben.language, ben.phone) == ("55063", None, "en", None)


def test_it_never_grants_consent(method):
    supporters_import(text=csv_lines("Ana,Lopez,ana@example.org,6125550123,,"), method=method)
    ana = Supporter.objects.get()
    assert (ana.email_consent_at, ana.sms_consent_at) == (None, None)


def test_it_merges_duplicate_rows_of_the_file_into_one_supporter(method):
    result = supporters_import(
        text=csv_lines(
            "Ana,,ANA@example.org,,,",
            "Ana,Lopez,ana@example.org,612-555-0123,55072,",
            "Ana,,,(612) 555-0123,,es",
        ),
        method=method,
    )
    assert (result.created, result.updated, result.errors) == (1, 2, [])
    ana = Supporter.objects.get()
    assert (ana.last_name, ana.phone, ana.zip_code, ana.language) == (
        "Lopez",
        "+16125550123",
        "55072",
        "es",
    )


def test_it_updates_an_existing_supporter_without_erasing_known_values(method):
    factories.SupporterFactory(
        first_name="Ana", last_name="Lopez", email="ana@example.org", zip_code="55063"
    )
    result = supporters_import(
        text=csv_lines("Ana,,Ana@Example.org,6125550123,,es"),
        method=method,
    )
    assert (result.created, result.updated) == (0, 1)
    ana = Supporter.objects.get()
    assert (ana.first_name, ana.last_name, ana.zip_code, ana.phone, ana.language) == (
        "Ana",
        "Lopez",
        "55063",
        "+16125550123",
        "es",
    )


def test_it_matches_an_existing_supporter_by_phone(method):
    existing = factories.SupporterFactory(email=None, phone="+16125550123", first_name="Old")
    result = supporters_import(
        text=csv_lines("New,Name,new@example.org,612.555.0123,,"), method=method
    )
    assert (result.created, result.updated) == (0, 1)
    existing.refresh_from_db()
    assert (existing.first_name, existing.email) == ("New", "new@example.org")
    assert Supporter.objects.count() == 1


def test_it_does_not_take_a_phone_someone_else_holds(method):
    factories.SupporterFactory(email="holder@example.org", phone="+16125550123")
    other = factories.SupporterFactory(email="ana@example.org", phone=None)
    supporters_import(text=csv_lines("Ana,,ana@example.org,6125550123,,"), method=method)
    other.refresh_from_db()
    assert other.phone is None


def test_it_reports_bad_rows_with_row_and_field_and_imports_the_good_ones(method):
    result = supporters_import(
        text=csv_lines(
            "Ana,,ana@example.org,,,",
            "Bad,,not-an-email,,,",
            ",,nofirst@example.org,,1234,",
            "Cal,,cal@example.org,12345,,fr",
            "Dee,,,,,",
        ),
        method=method,
    )
    assert result.errors == [
        {"row": 3, "field": "email", "error": "Enter a valid email address."},
        {"row": 4, "field": "first_name", "error": "This field is required."},
        {"row": 4, "field": "zip_code", "error": "Enter a 5-digit ZIP code."},
        {"row": 5, "field": "phone", "error": "Enter a valid phone number."},
        {"row": 5, "field": "language", "error": "Use en or es."},
        {"row": 6, "field": "email", "error": "Give an email address or a mobile phone number."},
    ]
    assert (result.total_rows, result.created, result.updated) == (5, 1, 0)
    assert list(Supporter.objects.values_list("email", flat=True)) == ["ana@example.org"]


def test_it_reads_common_header_spellings():
    parsed = supporters_parse(
        text=csv_lines("Ana,ana@example.org,55063-0001", header="First Name,E-mail,ZIP")
    )
    assert (parsed.people[0].first_name, parsed.people[0].email, parsed.people[0].zip_code) == (
        "Ana",
        "ana@example.org",
        "55063",
    )


def test_it_refuses_a_file_without_a_first_name_column():
    with pytest.raises(ImportFileError, match="first_name"):
        supporters_import(text=csv_lines("ana@example.org", header="email"))
    assert Supporter.objects.count() == 0


def test_it_reports_progress_every_n_rows():
    seen = []
    supporters_parse(
        text=csv_lines(*[f"P{i},,p{i}@example.org,,," for i in range(5)]),
        on_progress=seen.append,
        progress_every=2,
    )
    assert seen == [2, 4]


def test_it_saves_nothing_when_the_merge_fails_halfway(monkeypatch, method, pine_county):
    existing = factories.SupporterFactory(first_name="Old", email="old@example.org")

    def failing(**kwargs):
        raise RuntimeError("database went away")

    # After the supporters are written, before their memberships.
    monkeypatch.setattr(imports, "memberships_record", failing)
    with pytest.raises(RuntimeError):
        supporters_import(
            text=csv_lines(
                "New,,old@example.org,,,", *[f"P{i},,p{i}@example.org,,," for i in range(4)]
            ),
            campaign=pine_county["campaign"],
            method=method,
        )
    existing.refresh_from_db()
    assert existing.first_name == "Old"
    assert Supporter.objects.count() == 1


@pytest.mark.skipif("postgresql" not in METHODS, reason="the COPY path needs PostgreSQL")
def test_it_saves_nothing_when_the_postgresql_insert_fails_after_the_updates(monkeypatch):
    existing = factories.SupporterFactory(first_name="Old", email="old@example.org")
    monkeypatch.setitem(imports._MERGE_SQL, "insert", "SELECT 1/0")
    with pytest.raises(Exception, match="division by zero"):
        supporters_import(
            text=csv_lines("New,,old@example.org,,,", "Ana,,ana@example.org,,,"),
            method="postgresql",
        )
    existing.refresh_from_db()
    assert existing.first_name == "Old"
    assert Supporter.objects.count() == 1


# ---------------------------------------------------------------------------
# Through the intake core (issue #10, findings 4 and 8)
# ---------------------------------------------------------------------------

NOTE = "paper sign-up sheet, Oct 3 town hall"


def test_imported_people_join_the_campaigns_base(method, pine_county):
    campaign = pine_county["campaign"]
    known = factories.SupporterFactory(email="known@example.org")
    supporters_import(
        text=csv_lines("Ana,,ana@example.org,,,", "Known,,known@example.org,,,"),
        campaign=campaign,
        method=method,
    )
    assert sorted(
        Membership.objects.filter(campaign=campaign).values_list("supporter__email", "source")
    ) == [("ana@example.org", "import"), (known.email, "import")]


def test_without_a_campaign_nobody_joins_a_base(method, pine_county):
    supporters_import(text=csv_lines("Ana,,ana@example.org,,,"), method=method)
    assert Membership.objects.count() == 0


def test_an_attested_email_consent_is_recorded_in_the_ledger_with_its_source(method, pine_county):
    campaign = pine_county["campaign"]
    supporters_import(
        text=csv_lines("Ana,,ana@example.org,,,", "Phone,Only,,6125550123,,"),
        campaign=campaign,
        consents=["email"],
        consent_note=NOTE,
        method=method,
    )
    ana = Supporter.objects.get(email="ana@example.org")
    assert ana.email_consent_source == f"import: {NOTE}"
    event = ConsentEvent.objects.get()
    assert (event.supporter, event.channel, event.kind, event.source, event.campaign) == (
        ana,
        "email",
        "granted",
        f"import: {NOTE}",
        campaign,
    )
    assert event.occurred_at == ana.email_consent_at
    # Nobody without an email address "agreed to email".
    assert Supporter.objects.get(email=None).email_consent_at is None


def test_an_attested_consent_never_lifts_an_unsubscribe(method, pine_county):
    gone = factories.SupporterFactory(email="gone@example.org", unsubscribed_at=timezone.now())
    supporters_import(
        text=csv_lines("Gone,,gone@example.org,,,"),
        campaign=pine_county["campaign"],
        consents=["email"],
        consent_note=NOTE,
        method=method,
    )
    gone.refresh_from_db()
    assert (gone.email_consent_at, ConsentEvent.objects.count()) == (None, 0)
    assert gone.unsubscribed_at is not None


def test_a_consent_already_on_record_is_not_recorded_again(method, pine_county):
    signed_up = factories.SupporterFactory(
        email="ana@example.org", email_consent_at=timezone.now(), email_consent_source="public"
    )
    for _twice in range(2):
        supporters_import(
            text=csv_lines("Ana,,ana@example.org,,,", "Ben,,ben@example.org,,,"),
            consents=["email"],
            consent_note=NOTE,
            method=method,
        )
    signed_up.refresh_from_db()
    assert signed_up.email_consent_source == "public"
    assert list(ConsentEvent.objects.values_list("supporter__email", flat=True)) == [
        "ben@example.org"
    ]


def test_attested_text_consent_asks_the_phone_to_reply_yes_and_records_nothing_yet(
    method, pine_county
):
    campaign = pine_county["campaign"]
    supporters_import(
        text=csv_lines("Ana,,ana@example.org,6125550123,,es", "Ben,,ben@example.org,,,"),
        campaign=campaign,
        consents=["sms"],
        consent_note=NOTE,
        method=method,
    )
    ana = Supporter.objects.get(email="ana@example.org")
    assert (ana.sms_consent_at, ConsentEvent.objects.count()) == (None, 0)
    [request] = Message.objects.all()
    assert (request.supporter, request.kind, request.channel, request.campaign) == (
        ana,
        MessageKind.SMS_CONSENT_REQUEST,
        "sms",
        campaign,
    )


def test_a_person_outside_the_campaigns_body_is_tagged_non_constituent(method, pine_county):
    supporters_import(
        text=csv_lines("Out,,out@example.org,,55101,", "In,,in@example.org,,55072,"),
        campaign=pine_county["campaign"],
        method=method,
    )
    tagged = Supporter.objects.filter(tags__name=NON_CONSTITUENT_TAG)
    assert list(tagged.values_list("email", flat=True)) == ["out@example.org"]


def test_a_new_zip_two_districts_share_keeps_the_district_already_known(method, pine_county):
    d1, d2, _d3 = pine_county["districts"]
    known = factories.SupporterFactory(email="ana@example.org", zip_code="55030", district=d2)
    supporters_import(
        text=csv_lines("Ana,,ana@example.org,,55063,"),
        campaign=pine_county["campaign"],
        method=method,
    )
    known.refresh_from_db()
    assert (known.zip_code, known.district) == ("55063", d2)


def test_the_folded_search_name_follows_new_and_changed_names(method, pine_county):
    renamed = factories.SupporterFactory(
        first_name="Luis", last_name="Ramírez", email="luis@example.org"
    )
    supporters_import(
        text=csv_lines("Lucía,Ramírez,lucia@example.org,,,", "Luís,,luis@example.org,,,"),
        method=method,
    )
    assert Supporter.objects.get(email="lucia@example.org").search_name == "lucia ramirez"
    renamed.refresh_from_db()
    assert (renamed.first_name, renamed.search_name) == ("Luís", "luis ramirez")


def test_tags_named_in_the_file_are_added(method, pine_county):
    factories.SupporterFactory(email="ana@example.org").tags.add(Tag.objects.create(name="old"))
    supporters_import(
        text=csv_lines('Ana,ana@example.org,"parents, district 1"', header="first_name,email,tags"),
        method=method,
    )
    ana = Supporter.objects.get()
    assert sorted(ana.tags.values_list("name", flat=True)) == ["district 1", "old", "parents"]


# Every case the merge knows, for the test comparing both methods.
EVERY_CASE = csv_lines(
    "Ana,López,Ana.Lopez@Example.ORG,(612) 555-0123,55007,es",  # new, district 1
    "Ana,,ana.lopez@example.org,,55063,",  # the same person again: split ZIP keeps d1
    "Ben,Okafor,ben@example.org,,55063-1234,",  # new, split ZIP: no district
    "Cara,,,612.555.0199,55101,",  # new, phone only, outside the body
    "Dana,Upper,DANA@EXAMPLE.ORG,,55072,",  # known by email: renamed, moved
    "Dana,ByPhone,,612-555-0142,,",  # known by phone (the same Dana)
    "Eve,New,eve@example.org,,,",  # new
    "Ivy,,ivy@example.org,+16125550177,,",  # known by email: Hal's phone is not taken
    "Gone,,gone@example.org,6125550188,,",  # known, unsubscribed
    "Íñigo,Núñez,inigo@example.org,,55030,es",  # new, accents in the name
    header="first_name,last_name,email,phone,zip_code,language",
)


def _rows_by_person():
    """What an import leaves, keyed by email or phone (ids differ between runs)."""

    def who(supporter_id):
        email, phone = Supporter.objects.values_list("email", "phone").get(pk=supporter_id)
        return email or phone

    skip = {"id", "created_at", "updated_at", "email_consent_at", "sms_consent_at"}
    supporters = {
        row["email"] or row["phone"]: {k: v for k, v in row.items() if k not in skip}
        for row in Supporter.objects.values()
    }
    return {
        "supporters": supporters,
        "consent at set": sorted(
            (s.email or s.phone, bool(s.email_consent_at), bool(s.sms_consent_at))
            for s in Supporter.objects.all()
        ),
        "memberships": sorted(
            (who(s), c, source)
            for s, c, source in Membership.objects.values_list("supporter", "campaign", "source")
        ),
        "consents": sorted(
            (who(s), channel, kind, source, campaign)
            for s, channel, kind, source, campaign in ConsentEvent.objects.values_list(
                "supporter", "channel", "kind", "source", "campaign"
            )
        ),
        "tags": sorted(
            (who(s), name)
            for s, name in Supporter.tags.through.objects.values_list("supporter", "tag__name")
        ),
        "messages": sorted(
            (who(s), kind, channel, campaign)
            for s, kind, channel, campaign in Message.objects.values_list(
                "supporter", "kind", "channel", "campaign"
            )
        ),
    }


class _RolledBack(Exception):
    pass


@pytest.mark.skipif("postgresql" not in METHODS, reason="the COPY path needs PostgreSQL")
def test_both_methods_give_exactly_the_same_rows(pine_county):
    factories.SupporterFactory(
        first_name="Dana", last_name="Old", email="dana@example.org", phone="+16125550142"
    )
    factories.SupporterFactory(first_name="Hal", email="hal@example.org", phone="+16125550177")
    factories.SupporterFactory(first_name="Ivy", email="ivy@example.org", phone=None)
    factories.SupporterFactory(
        first_name="Gone", email="gone@example.org", phone=None, unsubscribed_at=timezone.now()
    )
    outcomes = {}
    for method in ("portable", "postgresql"):
        try:
            with transaction.atomic():
                result = supporters_import(
                    text=EVERY_CASE,
                    campaign=pine_county["campaign"],
                    consents=["email", "sms"],
                    consent_note=NOTE,
                    method=method,
                )
                outcomes[method] = (result.created, result.updated, _rows_by_person())
                raise _RolledBack
        except _RolledBack:
            pass
    assert outcomes["portable"][0:2] == (5, 5)
    assert outcomes["postgresql"] == outcomes["portable"]
