"""The national function description in use (roles: `function_description.shared_nationally`).

A description's first shared publication is its adoption; every publication (revision) is counted too.
Dated by when the region published it (the fact carries no date of its own)."""
from services.national.facts import counts, measure, month_of

ADOPTED = measure("function_descriptions_adopted", "workplaces' function descriptions on the national template")
PUBLISHED = measure("function_description_revisions", "revisions of those descriptions published")


@counts("function_description.shared_nationally")
def _shared(event):
    month = month_of(event.occurred_at.date())
    if event.stream_version == 0:  # the national stream numbers a description's shared facts from 0
        yield ADOPTED, month, 1
    yield PUBLISHED, month, 1
