"""The disclosure rules of the national picture (docs/security.md N8-N10), one test each, on
services/national/disclosure.py. N11 (national coordinators of the national instance only) is in
tests/national/test_aggregation_e2e.py."""
from itertools import product

from services.national.disclosure import MIN_COUNT, protect, select

ROWS, COLUMNS = ["region-1084", "region-1085", "region-1083"], ["2026-01", "2026-02", "2026-03"]


def table_of(values: list[list[int]]):
    return protect({(r, c): values[i][j] for (i, r), (j, c) in product(enumerate(ROWS), enumerate(COLUMNS))},
                   ROWS, COLUMNS)


def lines(table):
    found = [([table.cells[(r, c)] for c in table.columns], table.row_totals[r]) for r in table.rows]
    found += [([table.cells[(r, c)] for r in table.rows], table.column_totals[c]) for c in table.columns]
    found += [(list(table.row_totals.values()), table.total), (list(table.column_totals.values()), table.total)]
    return found


def test_rule_n8_counts_below_five_are_hidden_and_zero_is_shown():
    table = table_of([[0, 20, 30], [4, 40, 50], [1, 60, 70]])
    assert table.cells[("region-1084", "2026-01")].shown() == 0
    assert table.cells[("region-1085", "2026-01")].hidden and table.cells[("region-1085", "2026-01")].shown() is None
    assert table.cells[("region-1083", "2026-01")].hidden
    assert table.column_totals["2026-01"].shown() == 5  # a total of 5 singles nobody out
    for entries, total in lines(table):
        for entry in (*entries, total):
            assert entry.hidden or entry.value == 0 or entry.value >= MIN_COUNT


def test_rule_n9_no_hidden_count_follows_from_a_total():
    """Every line whose total is shown hides either nothing or at least two entries holding at least 5."""
    for values in ([[3, 12, 9], [7, 9, 10], [6, 8, 5]], [[2, 0, 0], [0, 0, 30], [9, 9, 9]],
                   [[1, 1, 1], [1, 1, 1], [1, 1, 1]], [[4, 100, 0], [0, 0, 0], [0, 0, 0]]):
        table = table_of(values)
        for entries, total in lines(table):
            hidden = [e for e in entries if e.hidden]
            if total.hidden or not hidden:
                continue
            assert len(hidden) >= 2, values
            assert sum(e.value for e in hidden) >= MIN_COUNT, values


def test_rule_n9_a_single_small_cell_in_a_line_of_zeros_hides_the_total():
    table = table_of([[3, 0, 0], [0, 0, 0], [0, 0, 0]])
    assert table.row_totals["region-1084"].hidden and table.column_totals["2026-01"].hidden
    assert table.total.hidden


def test_rule_n10_a_filter_selects_and_never_recomputes_margins():
    table = table_of([[3, 12, 9], [7, 9, 10], [6, 8, 5]])
    view = select(table, ["region-1085"], ["2026-02"])
    assert (view.rows, view.columns) == (["region-1085"], ["2026-02"])
    assert view.row_totals["region-1085"] is table.row_totals["region-1085"]  # over every month
    assert view.column_totals["2026-02"] is table.column_totals["2026-02"]  # over every region
    assert view.total is table.total
