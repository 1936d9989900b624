"""WHO-5 outcome reports (courses: `outcome.who5_distribution_reported`), by the month the course closed.

Only counts of people travel here; a report a region withheld (`suppressed`, fewer than 5 people)
counts as withheld, with no people in it."""
from datetime import date

from services.national.facts import counts, measure, month_of

REPORTS = measure("who5_reports", "WHO-5 reports of closed courses (or batches of support courses)")
WITHHELD = measure("who5_reports_withheld", "WHO-5 reports a region withheld (too few people)")
PEOPLE_START = measure("who5_people_start", "people whose WHO-5 was measured at the start")
PEOPLE_END = measure("who5_people_end", "people whose WHO-5 was measured at the end")
_PEOPLE = {"start": PEOPLE_START, "end": PEOPLE_END}


@counts("outcome.who5_distribution_reported")
def _report(event):
    p = event.payload
    month = month_of(date.fromisoformat(p["closed_on"]))
    if p["suppressed"]:
        yield WITHHELD, month, 1
        return
    yield REPORTS, month, 1
    for distribution in p["distributions"]:
        yield _PEOPLE[distribution["timing"]], month, distribution["count"]
