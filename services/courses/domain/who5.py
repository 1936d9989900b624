"""WHO-5 Well-Being Index: five items answered 0-5; raw score 0-25, times 4 gives 0-100.

Only the service scores (a client sends the five answers), so every stored score is computed the
same way. Only distributions leave the instance, under the national disclosure rules of
docs/security.md ("The national level"), applied here before a distribution is reported:

- a report of a group with fewer than `REPORTING_THRESHOLD` people at a timing is withheld whole;
- a band whose count is 1..`MIN_CELL`-1 is hidden (`None`), and so many other bands with it
  (complementary suppression) that the hidden ones hold at least `MIN_CELL` people and no hidden
  count can be computed from the total and the bands shown;
- a distribution where all but fewer than `MIN_CELL` people share one band is withheld whole: it
  would tell each member's band;
- `below_50` is shown only when no band is hidden and neither side of 50 (nor the split of the
  40-59 band it implies) is 1..`MIN_CELL`-1."""
from __future__ import annotations

from runtime.domain import InvalidValue

ITEMS = 5
REPORTING_THRESHOLD = 5
MIN_CELL = 3  # the smallest number of people a shown count may stand for (other than 0)
BUCKET_EDGES = (20, 40, 60, 80)  # buckets 0-19, 20-39, 40-59, 60-79, 80-100


def score(items: list[int]) -> dict:
    if not isinstance(items, list) or len(items) != ITEMS:
        raise InvalidValue.field("items", f"WHO-5 has exactly {ITEMS} answers")
    for index, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 5:
            raise InvalidValue.field(f"items[{index}]", "each answer is a whole number from 0 to 5")
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


def _singles_out(count: int) -> bool:
    return 0 < count < MIN_CELL


def protect(shown: dict, scores: list[int]) -> dict:
    """`shown` (a `distribution` of `scores`) with every count that could single people out hidden."""
    buckets, count = list(shown["buckets"]), shown["count"]
    if count - max(buckets) < MIN_CELL:  # (nearly) everyone in one band: each member's band is known
        return {**shown, "buckets": [None] * len(buckets), "below_50": None}
    hidden = {i for i, n in enumerate(buckets) if _singles_out(n)}
    # Complementary suppression: one hidden band is the total minus the others; a few hidden people
    # are still a small group. Hide the next smallest bands until neither holds.
    while hidden and (len(hidden) < 2 or sum(buckets[i] for i in hidden) < MIN_CELL):
        hidden.add(min((i for i in range(len(buckets)) if i not in hidden), key=lambda i: (buckets[i], i)))
    below, in_forties = shown["below_50"], sum(1 for value in scores if 40 <= value < 50)
    below_singles_out = (hidden or _singles_out(below) or _singles_out(count - below)
                         or _singles_out(in_forties) or _singles_out(buckets[bucket_of(40)] - in_forties))
    return {**shown, "buckets": [None if i in hidden else n for i, n in enumerate(buckets)],
            "below_50": None if below_singles_out else below}


def report(scores_by_timing: dict[str, list[int]]) -> tuple[bool, list[dict]]:
    """(suppressed, distributions) for the start and end measurements of one course, under the
    disclosure rules above (hidden counts are `None`)."""
    if any(0 < len(scores) < REPORTING_THRESHOLD for scores in scores_by_timing.values()):
        return True, []
    return False, [protect(distribution(t, scores_by_timing[t]), scores_by_timing[t])
                   for t in ("start", "end") if scores_by_timing.get(t)]
