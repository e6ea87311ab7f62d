"""Phone numbers as people read them and as phones dial them.

Stored numbers are E.164 for supporters and free text for members (typed in
the admin or imported). Shown in the national format of PHONE_REGION
("(612) 555-0123"), a number from elsewhere in the international one; dialled
as E.164 (`tel:+16125550123`) so a phone abroad still reaches the office.
Text that is not a phone number is shown as typed and dialled digits only."""

import phonenumbers
from django import template
from django.conf import settings

register = template.Library()


def _parse(value: str | None) -> phonenumbers.PhoneNumber | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


@register.filter
def phone_national(value: str | None) -> str:
    """E.164 "+16125550123" -> "(612) 555-0123"; a foreign number in international form."""
    number = _parse(value)
    if number is None:
        return (value or "").strip()
    region = phonenumbers.region_code_for_number(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == settings.PHONE_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


@register.filter
def phone_tel(value: str | None) -> str:
    """Typed "(612) 555-0123" -> "tel:+16125550123"; "" without a number."""
    number = _parse(value)
    if number is not None:
        return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = "".join(c for c in (value or "") if c.isdigit() or c == "+")
    return f"tel:{digits}" if digits else ""
