"""Create the Pine County demo (../shared/domain.md). Safe to run again: every
row is keyed by a natural key, so a second run changes nothing.

People and actions enter through the intake core (campaign.services.intake)
at STAFF trust with the source "seed", like any other path: supporters are
placed by the one place rule and join the campaign's base, consents are
recorded in the ledger, and pledges get their follow-ups and hearing
reminders in the outbox."""

import datetime as dt
import os
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from campaign import roles
from campaign.models import (
    HEARING_KINDS,
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    Approach,
    AskScript,
    Campaign,
    CampaignStatus,
    Channel,
    CouncilMember,
    DecisionBody,
    District,
    DistrictZip,
    Hearing,
    Language,
    Membership,
    Position,
    Relation,
    Sector,
    Stance,
    StanceGroup,
    Strategy,
    Supporter,
)
from campaign.services.asks import ask_script_save
from campaign.services.hearings import hearing_save
from campaign.services.intake import (
    OWN_MEMBER,
    PersonInput,
    Trust,
    action_build,
    actions_record_many,
    consent_record,
    seat_holders,
    supporter_intake,
)

DEFAULT_DEMO_PASSWORD = "groundswell-demo-2026"
SLUG = "parks-alcohol-ordinance"

# District number -> ZIP codes. 55063 (Pine City) spans districts 1 and 2.
DISTRICT_ZIPS = {
    1: ["55063", "55007"],
    2: ["55063", "55030"],
    3: ["55072", "55735"],
    4: ["55704", "55756"],
    5: ["55712", "55783"],
    6: ["55795", "55037"],
    7: ["55067", "55749"],
}
COMMISSIONERS = [
    # (district, name, Spanish title, stance, note)
    (1, "Maria Delgado", "Comisionada", Position.YES, "Co-sponsored the draft ordinance."),
    (2, "Tom Lindqvist", "Comisionado", Position.UNDECIDED, "Wants to hear from park neighbours."),
    (3, "Angela Brooks", "Comisionada", Position.YES, "Spoke for it at the parks committee."),
    (4, "Dale Kowalski", "Comisionado", Position.NO, "Worried about enforcement costs."),
    (5, "Grace Yang", "Comisionada", Position.UNDECIDED, ""),
    (6, "Robert Fairbanks", "Comisionado", Position.UNDECIDED, "Asked for data on park incidents."),
    (7, "Luis Ortega", "Comisionado", Position.UNDECIDED, ""),
]
# The campaign's own texts for two of the twelve asks (services.asks): the
# rest of the demo shows the built-in ones, and the campaign's older single
# call script and letter for constituents of undecided members.
ASK_SCRIPTS = [
    {
        "kind": AskScript.Kind.CALL,
        "stance_group": StanceGroup.THANK,
        "relation": Relation.CONSTITUENT,
        "text": "Hi, this is {supporter_name}, one of {member_title} {member_name}'s "
        "constituents. Thank you for backing alcohol-free parks: my kids play in our county "
        "parks every weekend. We'll be at the hearing to stand with you.",
        "text_es": "Hola, soy {supporter_name} y vivo en el distrito de {member_name}. Gracias "
        "por apoyar los parques libres de alcohol: mis hijos juegan en los parques del "
        "condado cada fin de semana. Estaremos en la audiencia para apoyarle.",
    },
    {
        "kind": AskScript.Kind.LETTER,
        "stance_group": StanceGroup.MEET,
        "relation": Relation.CONSTITUENT,
        "subject": "Can we meet about enforcement costs in alcohol-free parks?",
        "subject_es": "¿Podemos reunirnos sobre el costo de los parques libres de alcohol?",
        "text": "Dear {member_title} {member_name},\n\nI live in your district and I know you "
        "worry about what enforcing an alcohol ban in our parks would cost. Other Minnesota "
        "counties enforce theirs with signs and the deputies already on patrol. I would like "
        "twenty minutes of your time to share what they found.\n\nSincerely,\n"
        "{supporter_name}",
        "text_es": "Honorable {member_title} {member_name}:\n\nVivo en su distrito y sé que le "
        "preocupa el costo de hacer cumplir la prohibición del alcohol en los parques. Otros "
        "condados de Minnesota lo logran con letreros y con los agentes que ya patrullan. Me "
        "gustaría reunirme con usted veinte minutos para compartir lo que encontraron.\n\n"
        "Atentamente,\n{supporter_name}",
    },
]
FIRST_NAMES_EN = [
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "James",
    "Sophia",
    "Mason",
    "Mia",
    "Ethan",
    "Harper",
    "Logan",
    "Ella",
    "Lucas",
    "Grace",
    "Henry",
    "Chloe",
    "Jack",
]
FIRST_NAMES_ES = [
    "Sofía",
    "Mateo",
    "Valentina",
    "Santiago",
    "Camila",
    "Diego",
    "Lucía",
    "Javier",
    "Isabella",
    "Carlos",
    "Daniela",
    "Miguel",
    "Gabriela",
    "José",
]
LAST_NAMES = [
    "Anderson",
    "Johnson",
    "Nelson",
    "Peterson",
    "Olson",
    "Hernández",
    "García",
    "Martínez",
    "López",
    "Larson",
    "Swanson",
    "Ramírez",
    "Torres",
    "Berg",
    "Lee",
    "Nguyen",
    "Morales",
    "Carlson",
    "Schmidt",
    "Flores",
]

SUPPORTER_COUNT = 200
ACTION_COUNT = 360
# How seeded people and actions came in (Membership.source, consent source).
SEED_SOURCE = "seed"
# Supporters who signed up through another's share link: their number ->
# (their recruiter's number, days ago), so the dashboard's Organizing section
# and the digest show recruiters, recent ones and the recruits' actions.
RECRUITED_BY = {
    150: (3, 2),
    151: (3, 9),
    152: (3, 20),
    160: (11, 4),
    161: (11, 30),
    170: (42, 1),
    171: (7, 15),
    180: (7, 6),
}


class Command(BaseCommand):
    help = "Create the Pine County demo campaign, its people and three logins (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        users = self._users(password)
        body, districts = self._body()
        members = self._members(body, districts)
        campaign = self._campaign(body, now)
        self._ask_scripts(campaign)
        self._stances(campaign, members, users["coordinator"], now)
        session, hearing = self._hearings(campaign, now)
        supporters = self._supporters(campaign, now)
        self._actions(campaign, session, hearing, supporters, members, users["coordinator"], now)

        self.stdout.write(self.style.SUCCESS("Pine County demo is ready."))
        self.stdout.write(
            f"  {Supporter.objects.count()} supporters, "
            f"{Membership.objects.filter(campaign=campaign).count()} in the base, "
            f"{Action.objects.filter(campaign=campaign).count()} actions, "
            f"{CouncilMember.objects.filter(body=body).count()} commissioners"
        )
        self.stdout.write(
            f"  Public page: /c/{SLUG}/    Dashboard: /dashboard/{SLUG}/    Admin: /admin/"
        )
        shown = password if password == DEFAULT_DEMO_PASSWORD else "(the DEMO_PASSWORD you set)"
        self.stdout.write(f"  Logins: admin, coordinator, viewer   password: {shown}")

    def _users(self, password):
        User = get_user_model()
        users = {}
        for username, group, superuser in (
            ("admin", None, True),
            ("coordinator", roles.COORDINATOR, False),
            ("viewer", roles.VIEWER, False),
        ):
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@pinecounty-coalition.example.org",
                    "is_staff": True,
                    "is_superuser": superuser,
                },
            )
            if created:
                user.set_password(password)
                user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            users[username] = user
        return users

    def _body(self):
        body, _ = DecisionBody.objects.get_or_create(
            name="Pine County Board of Commissioners",
            defaults={
                "jurisdiction": "Pine County, Minnesota",
                "seats": 7,
                "ocd_division_id": "ocd-division/country:us/state:mn/county:pine",
            },
        )
        districts = {}
        for number, zips in DISTRICT_ZIPS.items():
            district, _ = District.objects.get_or_create(
                body=body,
                name=f"District {number}",
                defaults={
                    "number": number,
                    "ocd_id": f"{body.ocd_division_id}/council_district:{number}",
                },
            )
            for zip_code in zips:
                DistrictZip.objects.get_or_create(district=district, zip_code=zip_code)
            districts[number] = district
        return body, districts

    def _members(self, body, districts):
        members = {}
        for number, name, title_es, _position, _note in COMMISSIONERS:
            slug = name.lower().replace(" ", ".")
            member, _ = CouncilMember.objects.get_or_create(
                body=body,
                name=name,
                defaults={
                    "district": districts[number],
                    "title": "Commissioner",
                    "title_es": title_es,
                    "email": f"{slug}@co.pine.mn.us.example.org",
                    "phone": f"+1320555{100 + number:04d}",
                    "office_address": "635 Northridge Dr NW, Pine City, MN 55063",
                    "term_start": dt.date(2025, 1, 6),
                    "term_end": dt.date(2029, 1, 1),
                },
            )
            if not member.title_es:
                # A demo seeded before members had a Spanish title.
                member.title_es = title_es
                member.save(update_fields=["title_es", "updated_at"])
            members[number] = member
        return members

    def _campaign(self, body, now):
        today = timezone.localdate(now)
        campaign, _ = Campaign.objects.get_or_create(
            slug=SLUG,
            defaults={
                "name": "Alcohol-free county parks",
                "name_es": "Parques del condado libres de alcohol",
                "decision_body": body,
                "approach": Approach.HYBRID,
                "strategy": Strategy.MODIFYING_POLICIES,
                "status": CampaignStatus.ACTIVE,
                "is_public": True,
                "goal": "The County Board passes an ordinance banning public consumption "
                "of alcohol in Pine County parks.",
                "goal_es": "Que la Junta del Condado apruebe una ordenanza que prohíba el "
                "consumo público de alcohol en los parques del condado de Pine.",
                "why_it_matters": "Parks are where our kids play. Alcohol in parks is linked "
                "to underage drinking, injuries and litter; families deserve safe parks.",
                "why_it_matters_es": "Los parques son donde juegan nuestros niños. El alcohol "
                "en los parques se asocia con el consumo de menores, lesiones y basura.",
                "ask": "Tell your commissioner you support alcohol-free parks, and speak up "
                "at the public hearing.",
                "ask_es": "Dígale a su comisionado que apoya parques libres de alcohol y "
                "hable en la audiencia pública.",
                "call_script": "Hello, my name is {supporter_name} and I live in your "
                "district. I'm calling to ask {member_name} to vote yes on the ordinance "
                "making our county parks alcohol-free. Thank you.",
                "call_script_es": "Hola, me llamo {supporter_name} y vivo en su distrito. "
                "Llamo para pedirle a {member_name} que vote sí a la ordenanza que hace "
                "los parques del condado libres de alcohol. Gracias.",
                "letter_subject": "Please vote yes on alcohol-free county parks",
                "letter_subject_es": "Por favor vote sí a parques libres de alcohol",
                "letter_template": "Dear {member_name},\n\nAs your constituent, I ask you to "
                "vote yes on the ordinance banning public consumption of alcohol in county "
                "parks. Safe, family-friendly parks matter to me.\n\nSincerely,\n"
                "{supporter_name}",
                "letter_template_es": "Estimado/a {member_name}:\n\nComo residente de su "
                "distrito, le pido que vote sí a la ordenanza que prohíbe el consumo de "
                "alcohol en los parques del condado.\n\nAtentamente,\n{supporter_name}",
                "testimony_guidance": "Keep it to two minutes. Say who you are, where you "
                "live, and why safe parks matter to you. Bring three printed copies.",
                "testimony_guidance_es": "Hable un máximo de dos minutos. Diga quién es, "
                "dónde vive y por qué le importan los parques seguros. Traiga tres copias.",
                "starts_on": today - dt.timedelta(weeks=8),
                "vote_expected_on": today + dt.timedelta(weeks=8),
            },
        )
        return campaign

    def _ask_scripts(self, campaign):
        for fields in ASK_SCRIPTS:
            key = {name: fields[name] for name in ("kind", "stance_group", "relation")}
            if not AskScript.objects.filter(campaign=campaign, **key).exists():
                ask_script_save(script=AskScript(campaign=campaign, **fields))

    def _stances(self, campaign, members, coordinator, now):
        for number, _name, _title_es, position, note in COMMISSIONERS:
            member = members[number]
            if Stance.objects.filter(campaign=campaign, member=member).exists():
                continue
            Stance.objects.create(
                campaign=campaign,
                member=member,
                position=Position.UNKNOWN,
                recorded_by=coordinator,
                recorded_at=now - dt.timedelta(weeks=8),
            )
            Stance.objects.create(
                campaign=campaign,
                member=member,
                position=position,
                note=note,
                recorded_by=coordinator,
                recorded_at=now - dt.timedelta(weeks=3, days=number),
            )

    def _hearings(self, campaign, now):
        """A committee work session, then the public hearing a week later."""
        local_now = timezone.localtime(now)
        # A Tuesday evening six weeks out, 6:30 pm local time.
        day = local_now.date() + dt.timedelta(weeks=6)
        day += dt.timedelta(days=(1 - day.weekday()) % 7)
        starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(18, 30)))
        session_at = timezone.make_aware(
            dt.datetime.combine(day - dt.timedelta(weeks=1), dt.time(16, 0))
        )
        session = self._hearing(
            campaign,
            title="Committee work session: alcohol in county parks ordinance",
            title_es="Sesión de trabajo del comité: ordenanza sobre alcohol en los parques",
            starts_at=session_at,
            ends_at=session_at + dt.timedelta(hours=1, minutes=30),
            location_name="Pine County Courthouse, Committee Room B",
            address="635 Northridge Dr NW, Pine City, MN 55063",
        )
        hearing = self._hearing(
            campaign,
            title="Public hearing: alcohol in county parks ordinance",
            title_es="Audiencia pública: ordenanza sobre alcohol en los parques",
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=2),
            location_name="Pine County Courthouse, Board Room",
            address="635 Northridge Dr NW, Pine City, MN 55063",
            online_url="https://meetings.example.org/pine-county-board",
            testimony_deadline=starts_at - dt.timedelta(days=2),
            testimony_address="clerk@co.pine.mn.us.example.org",
        )
        return session, hearing

    def _hearing(self, campaign, *, title, **fields):
        hearing = Hearing.objects.filter(campaign=campaign, title=title).first()
        if hearing is None:
            hearing = hearing_save(hearing=Hearing(campaign=campaign, title=title, **fields))
        return hearing

    def _supporters(self, campaign, now):
        rng = random.Random(2026)
        sectors = [value for value, _label in Sector.choices]
        all_zips = [z for zips in DISTRICT_ZIPS.values() for z in zips] + [
            "55101"
        ]  # St Paul: outside
        existing = set(
            Supporter.objects.filter(email__endswith="@demo.example.org").values_list(
                "email", flat=True
            )
        )
        joined_at = {}
        for n in range(SUPPORTER_COUNT):
            # Draw every random value first, so a second run (which skips
            # people who exist) walks the same sequence.
            email = f"supporter{n:03d}@demo.example.org"
            spanish = rng.random() < 0.3
            first = rng.choice(FIRST_NAMES_ES if spanish else FIRST_NAMES_EN)
            last = rng.choice(LAST_NAMES)
            zip_code = rng.choice(all_zips)
            joined = now - dt.timedelta(days=rng.randint(0, 55), hours=rng.randint(0, 23))
            texts = rng.random() < 0.4
            has_phone = texts or rng.random() < 0.3
            sector = rng.choice(sectors[:10]) if rng.random() < 0.8 else ""
            youth = rng.random() < 0.1
            if email in existing:
                continue
            recruiter = None
            if n in RECRUITED_BY:
                number, days_ago = RECRUITED_BY[n]
                recruiter = Supporter.objects.get(email=f"supporter{number:03d}@demo.example.org")
                joined = now - dt.timedelta(days=days_ago, hours=3)
            supporter = supporter_intake(
                person=PersonInput(
                    first_name=first,
                    last_name=last,
                    email=email,
                    phone=f"+1320555{2000 + n:04d}" if has_phone else None,
                    zip_code=zip_code,
                    language=Language.SPANISH if spanish else Language.ENGLISH,
                    sector=sector,
                    is_youth=youth,
                ),
                trust=Trust.STAFF,
                campaign=campaign,
                source=SEED_SOURCE,
                recruited_by=recruiter,
            ).supporter
            channels = [Channel.EMAIL, Channel.SMS] if texts else [Channel.EMAIL]
            for channel in channels:
                consent_record(
                    supporter=supporter,
                    channel=channel,
                    source=SEED_SOURCE,
                    campaign=campaign,
                    now=joined,
                )
            joined_at[supporter.pk] = joined
        # The intake stamps every row "now": spread sign-ups over the past
        # weeks so the "new supporters per week" chart has a shape.
        people = list(Supporter.objects.filter(pk__in=joined_at))
        for supporter in people:
            supporter.created_at = joined_at[supporter.pk]
        Supporter.objects.bulk_update(people, ["created_at"])
        memberships = list(Membership.objects.filter(campaign=campaign, supporter_id__in=joined_at))
        for membership in memberships:
            membership.joined_at = joined_at[membership.supporter_id]
        Membership.objects.bulk_update(memberships, ["joined_at"])
        return list(Supporter.objects.filter(email__endswith="@demo.example.org").order_by("email"))

    def _actions(self, campaign, session, hearing, supporters, members, coordinator, now):
        rng = random.Random(7)
        kinds = [
            (ActionKind.CALL, 30),
            (ActionKind.LETTER, 20),
            (ActionKind.EMAIL, 15),
            (ActionKind.TESTIMONY_IN_PERSON, 8),
            (ActionKind.WRITTEN_TESTIMONY, 8),
            (ActionKind.ATTEND_HEARING, 10),
            (ActionKind.PETITION, 6),
            (ActionKind.MEETING, 3),
        ]
        seats = seat_holders(campaign.decision_body_id)
        existing = set(
            Action.objects.filter(
                campaign=campaign, idempotency_key__startswith="demo:"
            ).values_list("idempotency_key", flat=True)
        )
        open_pledges = set(
            Action.objects.filter(campaign=campaign, status=ActionStatus.PLEDGED).values_list(
                "supporter_id", "kind"
            )
        )
        new, created_at = [], {}
        for n in range(ACTION_COUNT):
            # Draw every random value first, so a second run (which skips rows
            # that exist) walks the same sequence and creates nothing new.
            supporter = rng.choice(supporters)
            kind = rng.choices([k for k, _w in kinds], weights=[w for _k, w in kinds])[0]
            done = rng.random() < 0.6
            created = now - dt.timedelta(days=rng.randint(1, 50), hours=rng.randint(0, 12))
            completed = min(created + dt.timedelta(days=rng.randint(0, 5)), now)
            outside_target = rng.choice(list(members.values()))
            source = rng.choice([ActionSource.PUBLIC_FORM, ActionSource.PHONE_BANK])
            at_session = rng.random() < 0.4

            if kind in (ActionKind.TESTIMONY_IN_PERSON, ActionKind.ATTEND_HEARING):
                # Both hearings are ahead: nobody has testified or attended yet.
                done = False
            key = f"demo:{n}"
            status = ActionStatus.COMPLETED if done else ActionStatus.PLEDGED
            if key in existing or (
                status == ActionStatus.PLEDGED and (supporter.pk, kind) in open_pledges
            ):
                continue
            if status == ActionStatus.PLEDGED:
                open_pledges.add((supporter.pk, kind))
            # Attendance is at either meeting; testimony at the public hearing.
            at = None
            if kind in HEARING_KINDS:
                at = session if kind == ActionKind.ATTEND_HEARING and at_session else hearing
            target = OWN_MEMBER
            if supporter.district_id is None and kind in (
                ActionKind.CALL,
                ActionKind.LETTER,
                ActionKind.EMAIL,
            ):
                # Someone outside every district still calls somebody.
                target = outside_target
            created_at[key] = created
            new.append(
                action_build(
                    supporter=supporter,
                    campaign=campaign,
                    kind=kind,
                    status=status,
                    source=source,
                    by=coordinator if source == ActionSource.PHONE_BANK else None,
                    target=target,
                    hearing=at,
                    completed_at=completed if done else None,
                    due_date=(
                        timezone.localdate(created) + dt.timedelta(days=7)
                        if not done and at is None
                        else None
                    ),
                    idempotency_key=key,
                    seats=seats,
                )
            )
        saved = actions_record_many(actions=new)
        # Saved "now"; give them their place in the past weeks.
        for action in saved:
            action.created_at = created_at[action.idempotency_key]
        Action.objects.bulk_update(saved, ["created_at"])
