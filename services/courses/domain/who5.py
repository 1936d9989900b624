"""WHO-5 Well-Being Index: five items answered 0-5; raw score 0-25, times 4 gives 0-100.

Only the service scores (a client sends the five answers), so every stored score is computed the
same way. Only distributions leave the instance, and only for groups of at least
`REPORTING_THRESHOLD` people: a smaller group's distribution could reveal a person's score."""
from __future__ import annotations

from runtime.errors import InvalidInput

ITEMS = 5
REPORTING_THRESHOLD = 5
BUCKET_EDGES = (20, 40, 60, 80)  # buckets 0-19, 20-39, 40-59, 60-79, 80-100


def score(items: list[int]) -> dict:
    if not isinstance(items, list) or len(items) != ITEMS:
        raise InvalidInput.field("items", f"WHO-5 has exactly {ITEMS} answers")
    for index, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 5:
            raise InvalidInput.field(f"items[{index}]", "each answer is a whole number from 0 to 5")
    raw = sum(items)
    return {"items": list(items), "raw_score": raw, "score": raw * 4}


def bucket_of(value: int) -> int:
    return sum(1 for edge in BUCKET_EDGES if value >= edge)


def distribution(timing: str, scores: list[int]) -> dict:
    buckets = [0] * (len(BUCKET_EDGES) + 1)
    for value in scores:
        buckets[bucket_of(value)] += 1
    return {"timing": timing, "count": len(scores), "buckets": buckets,
            "below_50": sum(1 for value in scores if value < 50)}


def report(scores_by_timing: dict[str, list[int]]) -> tuple[bool, list[dict]]:
    """(suppressed, distributions) for the start and end measurements of one course."""
    if any(0 < len(scores) < REPORTING_THRESHOLD for scores in scores_by_timing.values()):
        return True, []
    return False, [distribution(t, scores_by_timing[t]) for t in ("start", "end") if scores_by_timing.get(t)]
