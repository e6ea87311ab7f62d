"""Column presets for the export files of the tools coalitions leave.

A coalition arrives with its people in Action Network, NationBuilder,
Mobilize or EveryAction/VAN. Each preset says which of the tool's export
columns give our fields (names, email, phone, address, ZIP, language, tags),
which column carries the tool's own id (kept as a SupporterIdentifier,
`scheme:value` as sent) and which values of its opt-in columns attest a
consent. A row attests a consent only through those values: a blank, an
"unsubscribed", a "bouncing" or any value the preset does not list attests
nothing, and nothing is ever invented. An attested email consent is recorded
by the intake core (`consents_record_attested`, never lifting an
unsubscribe); an attested SMS opt-in only makes the phone be asked to reply
YES (`sms_consents_request`), as every text consent here is confirmed.

`preset_detect(header)` recognises a file by columns only that tool writes;
`column_map_build(preset, header)` gives the job's column mapping
({"<column in the file>": "<our field>"}); `preset_row(preset, values)` turns
one mapped row into what the intake core takes, plus the consents it attests
and the foreign id. Column names are compared normalised (case, spaces and
punctuation folded: "Email Subscription Status" == "email_subscription_status").

Sources of the column names (searched 2026-11-29; verify against a real
export, the tools rename columns now and then):
- Action Network activist report CSV: `uuid`, `first_name`, `last_name`,
  `email`, `zip_code`, `can2_phone` / `Phone Number`, `can2_user_address`,
  `can2_user_city`, `can2_state_abbreviated`, `can2_user_tags` (", "
  separated), `can2_subscription_status` and `can2_sms_status`
  ("subscribed" / "unsubscribed" / "bouncing" / "spam complaint"), as read by
  public tools that load these reports (an Action Network to EveryAction sync
  script and a volunteer-database loader, found with the code search), and
  help.actionnetwork.org "Viewing an activist's record" (subscription status,
  preferred language) and "File formats for list uploads".
- NationBuilder people export: the field names of NationBuilder's "What fields
  are available for imports?" (nationbuilder.com/what_fields_are_available_for_imports,
  support.nationbuilder.com "Fields available for import"), which its people
  export uses as headers: `nationbuilder_id`, `first_name`, `last_name`,
  `email`, `email_opt_in` (Y/N, true/false), `phone_number`, `mobile_number`,
  `mobile_opt_in`, `language`, `tag_list` (comma separated),
  `primary_address1`, `primary_zip`.
- Mobilize event attendance export: no page listing the CSV headers was found;
  the columns follow Mobilize's API attendance fields (`user_id`,
  `given_name`/"First name", `family_name`/"Last name", email, phone, zip,
  `sms_opt_in_status` = OPT_IN / OPT_OUT / UNSPECIFIED) as public loaders of
  Mobilize data flatten them, with the export's event and timeslot columns
  ("Event ID", "Timeslot ID"). An attendance export attests no email consent
  (an RSVP is not a subscription), only the SMS opt-in.
- EveryAction/VAN contacts export: no public page listing the headers was
  found; the preset uses VAN's usual export headers (`VANID`, `FirstName`,
  `LastName`, `Address`, `Zip5`, `Cell Phone`/`Phone`, `Preferred Email`,
  `Email Subscription Status` = "Subscribed", `SMS Opt-In Status` = "Opted
  In"), with common spellings accepted. The coordinator can always pick the
  preset by hand and sees the mapping before anything is written.
"""

import re
from dataclasses import dataclass, field

from campaign.models import Channel, Language

# Our fields a preset can fill (the intake core's, plus the row's attested
# opt-ins and the tool's own id).
FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "street_address",
    "zip_code",
    "language",
    "tags",
    "email_opt_in",
    "sms_opt_in",
    "foreign_id",
)
_OPT_INS = {"email_opt_in": Channel.EMAIL, "sms_opt_in": Channel.SMS}
# Languages the tools spell out, folded to the ones Groundswell writes in; any
# other language leaves the person's language blank (the campaign's default),
# it does not reject the row.
_LANGUAGES = {
    "en": Language.ENGLISH,
    "eng": Language.ENGLISH,
    "english": Language.ENGLISH,
    "en-us": Language.ENGLISH,
    "es": Language.SPANISH,
    "spa": Language.SPANISH,
    "spanish": Language.SPANISH,
    "español": Language.SPANISH,
    "espanol": Language.SPANISH,
    "es-us": Language.SPANISH,
    "es-mx": Language.SPANISH,
}
_ZIP_PLUS4 = re.compile(r"^(\d{5})-?\d{4}$")


def column_key(name: str) -> str:
    """A header cell folded for comparison ("Email Subscription Status" ->
    "email_subscription_status"; a UTF-8 BOM is dropped)."""
    return re.sub(r"[^0-9a-z]+", "_", (name or "").lstrip("\ufeff").strip().lower()).strip("_")


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    # The SupporterIdentifier scheme of the tool's own id.
    scheme: str
    # Folded column names only this tool's export has together.
    signature: frozenset[str]
    # Our field -> the tool's column names (folded), in preference order: the
    # first non-blank one gives the value.
    columns: dict[str, tuple[str, ...]]
    # Our opt-in field -> the folded values that attest the consent.
    attests: dict[str, frozenset[str]] = field(default_factory=dict)
    tag_separator: str = ","

    def consent_note(self, field_name: str) -> str:
        """Where an attested consent comes from, as recorded ("import: " first)."""
        return f"{self.label} export, {field_name.replace('_', ' ')}"


PRESETS: dict[str, Preset] = {
    preset.key: preset
    for preset in (
        Preset(
            key="action_network",
            label="Action Network",
            scheme="action_network",
            signature=frozenset({"uuid", "can2_subscription_status"}),
            columns={
                "foreign_id": ("uuid",),
                "first_name": ("first_name",),
                "last_name": ("last_name",),
                "email": ("email",),
                "phone": ("can2_phone", "phone_number", "phone"),
                "street_address": ("can2_user_address", "address"),
                "zip_code": ("zip_code", "zip"),
                "language": ("language", "preferred_language"),
                "tags": ("can2_user_tags",),
                "email_opt_in": ("can2_subscription_status", "email_subscription_status"),
                "sms_opt_in": ("can2_sms_status", "sms_subscription_status"),
            },
            attests={
                "email_opt_in": frozenset({"subscribed"}),
                "sms_opt_in": frozenset({"subscribed"}),
            },
        ),
        Preset(
            key="nationbuilder",
            label="NationBuilder",
            scheme="nationbuilder",
            signature=frozenset({"nationbuilder_id"}),
            columns={
                "foreign_id": ("nationbuilder_id",),
                "first_name": ("first_name",),
                "last_name": ("last_name",),
                "email": ("email", "email1"),
                # A mobile number is the one a text reaches.
                "phone": ("mobile_number", "phone_number"),
                "street_address": ("primary_address1", "address_address1", "address1"),
                "zip_code": ("primary_zip", "address_zip", "zip"),
                "language": ("language",),
                "tags": ("tag_list",),
                "email_opt_in": ("email_opt_in",),
                "sms_opt_in": ("mobile_opt_in",),
            },
            attests={
                "email_opt_in": frozenset({"true", "y", "yes", "1"}),
                "sms_opt_in": frozenset({"true", "y", "yes", "1"}),
            },
        ),
        Preset(
            key="mobilize",
            label="Mobilize",
            scheme="mobilize",
            signature=frozenset({"event_id", "timeslot_id", "user_id"}),
            columns={
                "foreign_id": ("user_id",),
                "first_name": ("first_name", "given_name"),
                "last_name": ("last_name", "family_name"),
                "email": ("email", "email_address"),
                "phone": ("phone", "phone_number"),
                "zip_code": ("zip", "zip_code", "postal_code"),
                "sms_opt_in": ("sms_opt_in_status", "sms_opt_in"),
            },
            attests={"sms_opt_in": frozenset({"opt_in", "opted_in", "true", "yes"})},
        ),
        Preset(
            key="van",
            label="EveryAction/VAN",
            scheme="van",
            signature=frozenset({"vanid"}),
            columns={
                "foreign_id": ("vanid",),
                "first_name": ("firstname", "first_name", "first"),
                "last_name": ("lastname", "last_name", "last"),
                "email": ("preferred_email", "email", "emailaddress"),
                "phone": ("cell_phone", "cellphone", "preferred_phone", "phone", "home_phone"),
                "street_address": ("address", "addressline1", "address_line_1"),
                "zip_code": ("zip5", "zip", "zip_code", "zipcode"),
                "language": ("language", "preferred_language"),
                "email_opt_in": ("email_subscription_status",),
                "sms_opt_in": ("sms_opt_in_status",),
            },
            attests={
                "email_opt_in": frozenset({"subscribed"}),
                "sms_opt_in": frozenset({"opted_in", "opted in", "opt_in", "subscribed"}),
            },
        ),
    )
}


def preset_detect(header: list) -> Preset | None:
    """The preset whose distinctive columns the header row has, or None
    (a file in Groundswell's own columns, or from an unknown tool)."""
    keys = {column_key(str(cell or "")) for cell in header}
    for preset in PRESETS.values():
        if preset.signature <= keys:
            return preset
    return None


def column_map_build(preset: Preset, header: list) -> dict[str, str]:
    """{"<column in the file>": "<our field>"} for the header row, in the
    order the parse reads them (per field, the preset's preference order).
    Columns the preset does not know are left out (ignored)."""
    by_key: dict[str, str] = {}
    for cell in header:
        name = str(cell or "").lstrip("\ufeff").strip()
        by_key.setdefault(column_key(name), name)
    mapping: dict[str, str] = {}
    for field_name, candidates in preset.columns.items():
        for candidate in candidates:
            name = by_key.get(candidate)
            if name is not None and name not in mapping:
                mapping[name] = field_name
    return mapping


def preset_row(preset: Preset, values: dict[str, str]) -> tuple[dict[str, str], dict]:
    """One row as the import's validation takes it, from `values` keyed by our
    fields: (values, extras), where extras holds the channels the row attests
    ("consents") and the tool's id ("identifiers": ((scheme, value),)).

    A language the campaign cannot write in is dropped, not reported; a ZIP+4
    keeps its ZIP; tags are split on the tool's separator."""
    values = dict(values)
    consents = []
    for field_name, channel in _OPT_INS.items():
        status = column_key(values.pop(field_name, "")).replace("_", " ")
        attesting = {value.replace("_", " ") for value in preset.attests.get(field_name, ())}
        if status and status in attesting:
            consents.append(channel)
    language = values.get("language", "").strip().lower()
    if language:
        values["language"] = _LANGUAGES.get(language, "")
    zip_plus4 = _ZIP_PLUS4.match(values.get("zip_code", "").strip())
    if zip_plus4:
        values["zip_code"] = zip_plus4.group(1)
    if preset.tag_separator != "," and values.get("tags"):
        values["tags"] = ",".join(values["tags"].split(preset.tag_separator))
    foreign_id = values.pop("foreign_id", "").strip()
    extras = {
        "consents": tuple(consents),
        "identifiers": ((preset.scheme, foreign_id),) if foreign_id else (),
    }
    return values, extras
