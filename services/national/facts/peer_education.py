"""Completed peer educations (courses: `peer_education.completion_reported`), by the month completed."""
from datetime import date

from services.national.facts import counts, measure, month_of

COMPLETIONS = measure("peer_education_completions", "peer educations completed (a person once per course)")


@counts("peer_education.completion_reported")
def _completion(event):
    yield COMPLETIONS, month_of(date.fromisoformat(event.payload["completed_on"])), 1
