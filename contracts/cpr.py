"""CPR numbers (Danish personal identification numbers): validated, masked, never shown or logged whole.

A CPR number is DDMMYY-SSSS: the date of birth and a serial number whose first digit, together with
the year, gives the century (CPR-kontoret's table below). The modulus-11 check is NOT applied: since
2007 numbers are issued that fail it. A number must name a real date that is not in the future.

- `validate(text)` -> the 10 digits, or `InvalidCpr` (whose message never contains the number).
- `mask(cpr)` -> "DDMMYY-XXXX": what screens, messages and exports show.
- `CprNumber`: the marshmallow field, personal by definition. It validates and normalises on load and
  dumps the masked form, so a response schema cannot show a whole number. In an event contract it is
  the plaintext inside `contracts.Personal(CprNumber(), subject=...)`: stored only sealed by the vault.
- `redact(text)`: masks every CPR-looking number in free text (used by the log formatter as a last
  line of defence; the first is that nobody logs one).
"""
from __future__ import annotations

import re
from datetime import date

from marshmallow import ValidationError, fields

_DIGITS = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")
_IN_TEXT = re.compile(r"(?<![\d])(\d{2})(\d{2})(\d{2})[- ]?(\d{4})(?![\d])")
MESSAGE = "Not a valid CPR number: DDMMYY-SSSS with a real date of birth."


class InvalidCpr(ValueError):
    def __init__(self):
        super().__init__(MESSAGE)


def century(year2: int, serial_first_digit: int) -> int | None:
    """The full year of birth from the two-digit year and the serial's first digit (CPR-kontoret)."""
    if serial_first_digit <= 3:
        return 1900 + year2
    if serial_first_digit in (4, 9):
        return (2000 if year2 <= 36 else 1900) + year2
    # 5, 6, 7, 8
    return (2000 if year2 <= 57 else 1800) + year2


def birth_date(cpr: str) -> date:
    match = _DIGITS.match(cpr.strip() if isinstance(cpr, str) else "")
    if not match:
        raise InvalidCpr()
    day, month, year2, serial = int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(4)
    year = century(year2, int(serial[0]))
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidCpr() from None


def validate(cpr, today: date | None = None) -> str:
    """The 10 digits of a valid CPR number ("DDMMYYSSSS"); raises `InvalidCpr` otherwise."""
    if not isinstance(cpr, str):
        raise InvalidCpr()
    born = birth_date(cpr)
    if born > (today or date.today()):
        raise InvalidCpr()
    return cpr.strip().replace("-", "")


def is_valid(cpr) -> bool:
    try:
        validate(cpr)
    except InvalidCpr:
        return False
    return True


def mask(cpr: str) -> str:
    """DDMMYY-XXXX: the date part stays (it is how people recognise their own number), the serial never."""
    digits = validate(cpr)
    return f"{digits[:6]}-XXXX"


def redact(text: str) -> str:
    """Mask every CPR number in free text (numbers that do not name a valid date are left alone)."""
    def replace(match: re.Match) -> str:
        candidate = "".join(match.groups())
        return f"{candidate[:6]}-XXXX" if is_valid(candidate) else match.group(0)

    return _IN_TEXT.sub(replace, text)


class CprNumber(fields.String):
    """A CPR number: personal by definition; loads as 10 digits, dumps masked ("DDMMYY-XXXX")."""

    default_error_messages = {"invalid_cpr": MESSAGE}

    def __init__(self, **kwargs):
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("personal", True)
        metadata.setdefault("description", "CPR number (DDMMYY-SSSS); shown masked as DDMMYY-XXXX")
        metadata.setdefault("pattern", r"^\d{6}-?\d{4}$")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate(text)
        except InvalidCpr:
            raise self.make_error("invalid_cpr") from None

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        try:
            return mask(value)
        except InvalidCpr:
            return "XXXXXX-XXXX"


__all__ = ["CprNumber", "InvalidCpr", "ValidationError", "birth_date", "is_valid", "mask", "redact", "validate"]
