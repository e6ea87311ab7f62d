"""What a supporter is asked to say to a member, and what to do next.

The one place that decides the words of a call script or a letter from a
supporter to a member of the decision body, and which asks a member's card
offers. Pages (the action page, the sign-up thanks page) only render what
this module returns.

The ask, by the member's current stance on the campaign (the latest Stance,
selectors_common):
- champion or yes: THANK them;
- leaning yes, undecided, leaning no, unknown: PERSUADE them;
- no: MEET (ask for a meeting: an opponent is rarely moved by a form letter).

The relation, by the intake core's seat rule (`seat_holders`, through
`selectors_public.members_for_supporter`): CONSTITUENT when the member holds
the seat of the supporter's district; otherwise RESIDENT (district unknown,
a ZIP split between districts, a ZIP outside the body). A resident's text
speaks as someone who lives in the jurisdiction ("I live in Pine County"),
never as a constituent and never of "your district".

The text, first found of:
1. the campaign's own `AskScript` for (kind, stance group, relation), in the
   reader's language; its Spanish falls back to its English only when no
   Spanish was written (as every campaign text does);
2. for (PERSUADE, CONSTITUENT) only: the campaign's single `call_script` /
   `letter_subject` + `letter_template`, where the coordinator wrote them.
   They predate stance-aware asks and read as "I live in your district, vote
   yes", which is right for that pair and wrong for the others (thanking a
   champion, asking an opponent for a meeting, speaking as a non-constituent);
3. the built-in texts below (gettext: English and Spanish, 3 stance groups x
   2 relations x call and letter).

Placeholders (`PLACEHOLDERS`), filled by plain replacement (never
str.format, which would reach attributes): {supporter_name}, {member_name}
(the name alone), {member_title} (per member and language), {county} (the
jurisdiction's first part: "Pine County"), {jurisdiction} (all of it: "Pine
County, Minnesota"), {campaign} (its name in the reader's language). Any
other {...} is dropped from the page: `AskScript.clean` refuses it in the
admin, and an older campaign text cannot show a raw brace to a volunteer.

A member's Spanish title is their `title_es` (Comisionada, Comisionado);
without one, the English title through the catalogue with the context
"member title", which gives the gender-neutral "Comisionado/a" for
"Commissioner" (we do not guess a member's gender from the name).

What a card offers (`MemberAsk.offers`): a call only with a phone (no phone:
no call button and no call script), an email only with an email address, a
letter with an email or an office address to post it to, testimony when the
campaign has an upcoming hearing, a meeting when the member can be reached
at all. Reads only; no side effects.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from campaign.models import (
    Action,
    ActionKind,
    ActionStatus,
    AskScript,
    Campaign,
    CouncilMember,
    Hearing,
    Position,
    Relation,
    StanceGroup,
)
from campaign.selectors_common import current_positions

PLACEHOLDERS = (
    "supporter_name",
    "member_name",
    "member_title",
    "county",
    "jurisdiction",
    "campaign",
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

STANCE_GROUPS = {
    Position.CHAMPION: StanceGroup.THANK,
    Position.YES: StanceGroup.THANK,
    Position.LEANING_YES: StanceGroup.PERSUADE,
    Position.UNDECIDED: StanceGroup.PERSUADE,
    Position.LEANING_NO: StanceGroup.PERSUADE,
    Position.UNKNOWN: StanceGroup.PERSUADE,
    Position.NO: StanceGroup.MEET,
}

# Offers on a member's card, in the page's order.
OFFER_CALL = "call"
OFFER_EMAIL = "email"
OFFER_LETTER = "letter"
OFFER_TESTIMONY = "testimony"
OFFER_MEETING = "meeting"

CALL, LETTER = AskScript.Kind.CALL, AskScript.Kind.LETTER
THANK, PERSUADE, MEET = StanceGroup.THANK, StanceGroup.PERSUADE, StanceGroup.MEET
CONSTITUENT, RESIDENT = Relation.CONSTITUENT, Relation.RESIDENT

# The built-in texts. Lazy: each is read in the reader's language.
DEFAULT_SUBJECTS = {
    THANK: _("Thank you for supporting {campaign}"),
    PERSUADE: _("Please vote yes: {campaign}"),
    MEET: _("Request for a meeting about {campaign}"),
}
DEFAULT_TEXTS = {
    (CALL, THANK, CONSTITUENT): _(
        "Hello, my name is {supporter_name} and I live in {member_title} {member_name}'s "
        "district. I'm calling to thank {member_name} for supporting “{campaign}”. It means "
        "a lot to me and my neighbours. Please keep standing with us when it comes to a "
        "vote. Thank you!"
    ),
    (CALL, THANK, RESIDENT): _(
        "Hello, my name is {supporter_name} and I live in {county}. I'm calling to thank "
        "{member_title} {member_name} for supporting “{campaign}”. It matters to families "
        "across {county}. Thank you for standing with us!"
    ),
    (CALL, PERSUADE, CONSTITUENT): _(
        "Hello, my name is {supporter_name} and I live in {member_title} {member_name}'s "
        "district. I'm calling to ask {member_name} to vote yes on “{campaign}”. It matters "
        "to me and my family. Could you tell me where {member_name} stands on it? Thank you "
        "for your time."
    ),
    (CALL, PERSUADE, RESIDENT): _(
        "Hello, my name is {supporter_name} and I live in {county}. I'm calling to ask "
        "{member_title} {member_name} to vote yes on “{campaign}”. This decision affects "
        "everyone in {county}, my family included. Thank you for passing on my message."
    ),
    (CALL, MEET, CONSTITUENT): _(
        "Hello, my name is {supporter_name} and I live in {member_title} {member_name}'s "
        "district. I know {member_name} has concerns about “{campaign}”, and I would like to "
        "meet to share why it matters to our neighbourhood. Could we set up a short meeting, "
        "in person or by phone? Thank you."
    ),
    (CALL, MEET, RESIDENT): _(
        "Hello, my name is {supporter_name} and I live in {county}. I understand "
        "{member_title} {member_name} has concerns about “{campaign}”. I would welcome a "
        "short meeting to listen to those concerns and share what I have seen in {county}. "
        "Could we find a time? Thank you."
    ),
    (LETTER, THANK, CONSTITUENT): _(
        "Dear {member_title} {member_name},\n\nAs a resident of your district, I want to "
        "thank you for supporting “{campaign}”. Your leadership matters to me and my "
        "neighbours, and we will be there to back you when it comes to a vote.\n\n"
        "With gratitude,\n{supporter_name}"
    ),
    (LETTER, THANK, RESIDENT): _(
        "Dear {member_title} {member_name},\n\nI live in {county}, and I want to thank you "
        "for supporting “{campaign}”. It matters to families across {county}, and many of us "
        "are grateful for your leadership.\n\nWith gratitude,\n{supporter_name}"
    ),
    (LETTER, PERSUADE, CONSTITUENT): _(
        "Dear {member_title} {member_name},\n\nI am writing as your constituent to ask you "
        "to vote yes on “{campaign}”. This decision matters to me, to my family and to our "
        "neighbours, and I hope I can count on your support.\n\nPlease let me know where you "
        "stand.\n\nSincerely,\n{supporter_name}"
    ),
    (LETTER, PERSUADE, RESIDENT): _(
        "Dear {member_title} {member_name},\n\nI live in {county} and I am writing to ask "
        "you to vote yes on “{campaign}”. This decision affects everyone in {county}, and I "
        "hope you will support it.\n\nSincerely,\n{supporter_name}"
    ),
    (LETTER, MEET, CONSTITUENT): _(
        "Dear {member_title} {member_name},\n\nI am your constituent and I would like to "
        "meet with you about “{campaign}”. I understand you have concerns, and I would value "
        "the chance to hear them and to share why this matters to our district.\n\nI can "
        "meet at a time that suits you, in person or by phone.\n\nSincerely,\n"
        "{supporter_name}"
    ),
    (LETTER, MEET, RESIDENT): _(
        "Dear {member_title} {member_name},\n\nI live in {county} and I would like to meet "
        "with you about “{campaign}”. I understand you have concerns, and I would value the "
        "chance to hear them and to share why this matters to families in {county}.\n\nI can "
        "meet at a time that suits you, in person or by phone.\n\nSincerely,\n"
        "{supporter_name}"
    ),
}


def placeholders_unknown(text: str) -> list[str]:
    """The {...} in a text that are not PLACEHOLDERS, in order, each once."""
    found = [name for name in _PLACEHOLDER.findall(text or "") if name not in PLACEHOLDERS]
    return list(dict.fromkeys(found))


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each known {placeholder}; drop any other {...}. The result is
    plain text: templates escape it."""

    def replace(match: re.Match) -> str:
        return values.get(match.group(1), "") if match.group(1) in PLACEHOLDERS else ""

    return _PLACEHOLDER.sub(replace, text or "")


def stance_group(position: str | None) -> str:
    return STANCE_GROUPS.get(position or Position.UNKNOWN, PERSUADE)


def member_title(member: CouncilMember, language: str) -> str:
    """The member's title in the reader's language (rule in the module docstring)."""
    if language != "es":
        return member.title
    if member.title_es:
        return member.title_es
    if not member.title:
        return ""
    with translation.override("es"):
        return pgettext("member title", member.title)


def member_display_name(member: CouncilMember, language: str) -> str:
    return f"{member_title(member, language)} {member.name}".strip()


def place_name(campaign: Campaign) -> str:
    """ "Pine County, Minnesota" -> "Pine County": how a resident names where they live."""
    return campaign.decision_body.jurisdiction.split(",")[0].strip()


@dataclass(frozen=True)
class Script:
    subject: str
    text: str
    # "campaign" (its AskScript), "legacy" (its call_script/letter_template), "default".
    source: str


def script_for(
    *,
    campaign: Campaign,
    kind: str,
    group: str,
    relation: str,
    language: str,
    scripts: dict[tuple[str, str, str], AskScript],
) -> Script:
    """The unfilled text for one ask (order of precedence in the module
    docstring). `scripts` is `campaign_scripts(campaign=...)`."""
    own = scripts.get((kind, group, relation))
    default_subject = DEFAULT_SUBJECTS[group] if kind == LETTER else ""
    with translation.override(language):
        default_subject = str(default_subject)
        if own is not None:
            spanish = language == "es" and own.text_es
            subject = (own.subject_es if language == "es" else "") or own.subject
            return Script(
                subject=(subject or default_subject) if kind == LETTER else "",
                text=own.text_es if spanish else own.text,
                source="campaign",
            )
        if group == PERSUADE and relation == CONSTITUENT:
            field_name = "call_script" if kind == CALL else "letter_template"
            legacy = campaign.localized(field_name, language)
            if legacy:
                subject = campaign.localized("letter_subject", language) if kind == LETTER else ""
                return Script(subject=subject or default_subject, text=legacy, source="legacy")
        return Script(
            subject=default_subject,
            text=str(DEFAULT_TEXTS[(kind, group, relation)]),
            source="default",
        )


def campaign_scripts(*, campaign: Campaign) -> dict[tuple[str, str, str], AskScript]:
    """The campaign's own texts by (kind, stance group, relation). One query."""
    return {
        (script.kind, script.stance_group, script.relation): script
        for script in AskScript.objects.filter(campaign=campaign)
    }


@dataclass(frozen=True)
class MemberAsk:
    """One member's card: who, what to ask, and how to reach them."""

    member: CouncilMember
    title: str
    display_name: str
    stance_group: str
    relation: str
    phone: str
    call_script: str
    letter_subject: str
    letter: str
    mailto: str
    offers: tuple[str, ...] = field(default_factory=tuple)

    @property
    def can_call(self) -> bool:
        return OFFER_CALL in self.offers

    @property
    def can_write(self) -> bool:
        return OFFER_LETTER in self.offers


def _mailto(email: str, subject: str, body: str) -> str:
    # quote(), not quote_plus(): mail clients read "+" in a mailto body literally.
    return f"mailto:{quote(email, safe='@')}?subject={quote(subject)}&body={quote(body)}"


def member_asks(
    *,
    campaign: Campaign,
    members: list[CouncilMember],
    reach: str,
    language: str,
    supporter_name: str,
    has_hearing: bool = False,
) -> list[MemberAsk]:
    """The cards for these members (as `selectors_public.members_for_place`
    returns them: `reach` "district" means the supporter's own member).
    Two queries: the members' stances and the campaign's own texts."""
    if not members:
        return []
    positions = current_positions(campaign)
    scripts = campaign_scripts(campaign=campaign)
    relation = CONSTITUENT if reach == "district" else RESIDENT
    place = place_name(campaign)
    asks = []
    for member in members:
        group = stance_group(positions.get(member.pk))
        title = member_title(member, language)
        values = {
            "supporter_name": supporter_name,
            "member_name": member.name,
            "member_title": title,
            "county": place,
            "jurisdiction": campaign.decision_body.jurisdiction,
            "campaign": campaign.localized("name", language),
        }
        call = script_for(
            campaign=campaign,
            kind=CALL,
            group=group,
            relation=relation,
            language=language,
            scripts=scripts,
        )
        letter = script_for(
            campaign=campaign,
            kind=LETTER,
            group=group,
            relation=relation,
            language=language,
            scripts=scripts,
        )
        subject, body = fill(letter.subject, values), fill(letter.text, values)
        offers = []
        if member.phone:
            offers.append(OFFER_CALL)
        if member.email:
            offers.append(OFFER_EMAIL)
        if member.email or member.office_address:
            offers.append(OFFER_LETTER)
        if has_hearing:
            offers.append(OFFER_TESTIMONY)
        if member.phone or member.email or member.office_address:
            offers.append(OFFER_MEETING)
        asks.append(
            MemberAsk(
                member=member,
                title=title,
                display_name=f"{title} {member.name}".strip(),
                stance_group=group,
                relation=relation,
                phone=member.phone,
                call_script=fill(call.text, values) if member.phone else "",
                letter_subject=subject if OFFER_LETTER in offers else "",
                letter=body if OFFER_LETTER in offers else "",
                mailto=_mailto(member.email, subject, body) if member.email else "",
                offers=tuple(offers),
            )
        )
    return asks


# ---------------------------------------------------------------------------
# The volunteer ladder: what to do after "I did it"
# ---------------------------------------------------------------------------

STEP_ASK = "ask"
STEP_HEARING = "hearing"
STEP_PHONE_BANK = "phone_bank"
STEP_SHARE = "share"

# The contacts a volunteer can make from their page, in the order we ask for
# them; a letter and an email are the same ask (the letter goes by email).
ASK_LADDER = (ActionKind.CALL, ActionKind.LETTER)
_SAME_ASK = {ActionKind.EMAIL: ActionKind.LETTER}


@dataclass(frozen=True)
class NextStep:
    kind: str
    # STEP_ASK: the action kind to do next; STEP_PHONE_BANK: phone_bank.
    action_kind: str = ""
    hearing: Hearing | None = None


def next_steps(
    *,
    campaign: Campaign,
    done: Action,
    actions: list[Action],
    asks: list[MemberAsk],
    hearings: list[Hearing],
) -> list[NextStep]:
    """What to offer a volunteer who has just marked `done` as done, in order:

    1. another ask they have not completed in this campaign: the first of a
       call then a letter (a letter and an email count as one) that one of
       their members' cards offers (`asks`);
    2. the soonest of `hearings` (the campaign's upcoming ones) that none of
       their actions (open or done) names;
    3. a phone-bank shift, when the campaign asks for them and they have
       none open or done;
    4. sharing the campaign with a friend (always).

    `actions` are their actions in the campaign that the page shows (not
    cancelled). No query."""
    completed = {
        _SAME_ASK.get(action.kind, action.kind)
        for action in actions
        if action.status == ActionStatus.COMPLETED
    }
    completed.add(_SAME_ASK.get(done.kind, done.kind))
    offered = {offer for ask in asks for offer in ask.offers}
    steps = []
    for kind in ASK_LADDER:
        if kind not in completed and kind in offered:
            steps.append(NextStep(kind=STEP_ASK, action_kind=kind))
            break
    named = {action.hearing_id for action in actions if action.hearing_id is not None}
    for hearing in hearings:
        if hearing.pk not in named and not hearing.is_cancelled:
            steps.append(NextStep(kind=STEP_HEARING, hearing=hearing))
            break
    if ActionKind.PHONE_BANK in (campaign.asks or []) and not any(
        action.kind == ActionKind.PHONE_BANK for action in actions
    ):
        steps.append(NextStep(kind=STEP_PHONE_BANK, action_kind=ActionKind.PHONE_BANK))
    steps.append(NextStep(kind=STEP_SHARE))
    return steps


# What a volunteer records from a next step's button: a contact they have
# just made is done ("I called", "I sent my letter"); a shift or a hearing is
# a pledge, with its reminders.
SELF_REPORT_KINDS = (*ASK_LADDER, ActionKind.ATTEND_HEARING, ActionKind.PHONE_BANK)


def self_report_allowed(*, campaign: Campaign, kind: str) -> bool:
    """A call or a letter always (they are the page's own asks); a shift or
    attending a hearing only when the campaign asks for it."""
    return kind in ASK_LADDER or (kind in SELF_REPORT_KINDS and kind in (campaign.asks or []))


def self_report_status(kind: str) -> str:
    return ActionStatus.COMPLETED if kind in ASK_LADDER else ActionStatus.PLEDGED


def ask_script_save(*, script: AskScript) -> AskScript:
    """Validate (no placeholder the pages cannot fill) and save a campaign's
    own text. Side effects: one INSERT or UPDATE."""
    script.full_clean()
    script.save()
    return script
