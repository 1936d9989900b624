"""Active volunteer agreements by month (roles: `agreement_term.reported`, the span an agreement runs).

An agreement counts once in every month its span touches, from the month it became active to the month
of its last day (the span's end is exclusive: a span that stops on the 1st does not count that month). A
renewal or an end reports the span again; the latest report of the stream counts (`latest_of`: the
earlier span's months are taken back). A paused agreement still runs. The month totals are agreements
active in the month; a region's total over months counts agreement-months, not agreements."""
from datetime import date, timedelta

from services.national.facts import counts, measure, month_of

ACTIVE = measure("volunteer_agreements_active", "volunteer agreements running in the month (active or paused)")


def months(active_from: date, active_until: date):
    """The first day of every month that the span [active_from, active_until) touches."""
    if active_until <= active_from:
        return
    month, last = month_of(active_from), month_of(active_until - timedelta(days=1))
    while month <= last:
        yield month
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


@counts("agreement_term.reported", latest_of=lambda payload: "span")  # one agreement per stream
def _span(event):
    p = event.payload
    for month in months(date.fromisoformat(p["active_from"]), date.fromisoformat(p["active_until"])):
        yield ACTIVE, month, 1
