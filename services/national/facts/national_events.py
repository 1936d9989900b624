"""Sign-ups for national events (network: `national_sign_up.requested`), by the month the region sent them.
Who got a place is the event's own summary (api/events.py); this counts the interest by region over time."""
from services.national.facts import counts, measure, month_of

SIGN_UPS = measure("national_event_sign_ups", "sign-ups for national events (e.g. the yearly peer meetup)")


@counts("national_sign_up.requested")
def _sign_up(event):
    yield SIGN_UPS, month_of(event.occurred_at.date()), 1
