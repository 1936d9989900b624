"""Known personal values and how to find them in text (as is, JSON-escaped, URL-encoded, by their distinctive part)."""
import json

LEADER, MENTOR = "Lene Lækagesen", "Mette Mentorvej"
CPR, CPR_DASHED = "0101901234", "010190-1234"
EMAIL, PHONE = "lene.laekagesen@example.dk", "+45 31 41 59 26"
PERSONAL = (LEADER, MENTOR, CPR, CPR_DASHED, EMAIL, PHONE)


def forms(value: str) -> set[str]:
    """How a value can appear in text: as is, JSON-escaped (\\u00e6), URL-encoded, and by its distinctive part."""
    from urllib.parse import quote, quote_plus

    found = {value, json.dumps(value)[1:-1], quote(value), quote_plus(value)}
    last = value.split()[-1]
    return found | ({last, json.dumps(last)[1:-1]} if len(last) >= 6 else set())


def leaks(text: str, values=PERSONAL) -> list[str]:
    return sorted({v for v in values for f in forms(v) if f and f in text})
