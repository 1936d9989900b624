"""Disclosure control of the national picture (docs/security.md, rules N8-N11). Pure; no I/O.

One measure's picture is a table: a row per region (source instance), a column per month, with the
row totals, the column totals and the grand total as margins. Protected once, as a whole:

- N8  a cell or margin of 1..MIN_COUNT-1 is hidden (primary suppression); 0 is shown (nobody);
- N9  complementary suppression: in every line (a row with its total, a column with its total, the
      row totals with the grand total, the column totals with the grand total) whose total is shown,
      the hidden entries are never a single one and never hold 1..MIN_COUNT-1 together; otherwise the
      smallest shown non-zero entry is hidden too (the total itself if none is left), until it holds;
- N10 a filter (regions, months) only selects rows and columns of the one protected table, and the
      margins stay those of the whole table: no total over a selection is computed, so comparing
      answers to different filters reveals nothing one answer does not.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MIN_COUNT = 5
TOTAL = "total"


@dataclass
class Entry:
    value: int
    hidden: bool = False

    def shown(self) -> int | None:
        return None if self.hidden else self.value


def as_count(entry: Entry) -> dict:
    """An entry as the API shows it: `value` null when suppressed."""
    return {"value": entry.shown(), "suppressed": entry.hidden}


@dataclass
class ProtectedTable:
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], Entry]
    row_totals: dict[str, Entry]
    column_totals: dict[str, Entry]
    total: Entry
    lines: list = field(default_factory=list, repr=False)


def _lines(table: ProtectedTable) -> list[tuple[list[Entry], Entry]]:
    lines = [([table.cells[(r, c)] for c in table.columns], table.row_totals[r]) for r in table.rows]
    lines += [([table.cells[(r, c)] for r in table.rows], table.column_totals[c]) for c in table.columns]
    lines.append((list(table.row_totals.values()), table.total))
    lines.append((list(table.column_totals.values()), table.total))
    return lines


def _unsafe(entries: list[Entry], total: Entry) -> bool:
    if total.hidden:
        return False
    hidden = [e for e in entries if e.hidden]
    held = sum(e.value for e in hidden)
    return len(hidden) == 1 or 0 < held < MIN_COUNT


def protect(counts: dict[tuple[str, str], int], rows: list[str], columns: list[str]) -> ProtectedTable:
    """The table of `counts` ((row, column) -> count; missing = 0) with N8 and N9 applied."""
    cells = {(r, c): Entry(counts.get((r, c), 0)) for r in rows for c in columns}
    table = ProtectedTable(
        rows, columns, cells,
        {r: Entry(sum(cells[(r, c)].value for c in columns)) for r in rows},
        {c: Entry(sum(cells[(r, c)].value for r in rows)) for c in columns},
        Entry(sum(e.value for e in cells.values())))
    every = [*cells.values(), *table.row_totals.values(), *table.column_totals.values(), table.total]
    for entry in every:  # N8
        entry.hidden = 0 < entry.value < MIN_COUNT
    lines = _lines(table)
    for _ in range(len(every) + 1):  # N9; each round hides one more entry, so this ends
        unsafe = next(((entries, total) for entries, total in lines if _unsafe(entries, total)), None)
        if unsafe is None:
            return table
        entries, total = unsafe
        candidates = sorted((e for e in entries if not e.hidden and e.value > 0), key=lambda e: e.value)
        (candidates[0] if candidates else total).hidden = True
    raise AssertionError("complementary suppression did not settle")  # unreachable: bounded above


def select(table: ProtectedTable, rows: list[str] | None, columns: list[str] | None) -> ProtectedTable:
    """N10: a view of the protected table (margins unchanged, never recomputed)."""
    keep_rows = [r for r in table.rows if rows is None or r in rows]
    keep_columns = [c for c in table.columns if columns is None or c in columns]
    return ProtectedTable(keep_rows, keep_columns,
                          {(r, c): table.cells[(r, c)] for r in keep_rows for c in keep_columns},
                          {r: table.row_totals[r] for r in keep_rows},
                          {c: table.column_totals[c] for c in keep_columns}, table.total)
