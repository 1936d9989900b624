"""Completed competence modules of the shared catalogue (courses: `competence.completion_reported`), by the
month completed. The same facts by module: `competence_cells` (projections.py, the module's picture)."""
from datetime import date

from services.national.facts import counts, measure, month_of

COMPLETIONS = measure("competence_completions", "competence modules completed (a person once per course and module)")


@counts("competence.completion_reported")
def _completion(event):
    yield COMPLETIONS, month_of(date.fromisoformat(event.payload["completed_on"])), 1
