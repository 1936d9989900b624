"""The national overview for national coordinators: the picture by region and month, as JSON or CSV.

Every answer is a view of each measure's one protected table (services/national/disclosure.py):
suppressed counts are `null` with `suppressed: true` (CSV: empty value, `suppressed` = true)."""
from __future__ import annotations

import csv
import io

from marshmallow import ValidationError
from werkzeug.wrappers import Response

from runtime.errors import InvalidInput
from runtime.http.entrypoint import api
from services.national import disclosure, schemas
from services.national.api.base import COORDINATORS, ApiBase
from services.national.facts import MEASURES

READERS = COORDINATORS  # and only with a token of the national instance (runtime/http/auth.py)
CSV_HEADER = ("measure", "region", "period", "value", "suppressed")


class OverviewApi(ApiBase):
    def _query(self, request) -> dict:
        try:
            query = schemas.PictureQuery().load(request.args.to_dict())
        except ValidationError as exc:
            raise InvalidInput.from_marshmallow(exc.messages) from None
        if query.get("measure") and query["measure"] not in MEASURES:
            raise InvalidInput.field("measure", f"one of {', '.join(sorted(MEASURES))}")
        return query

    def _picture(self, request) -> dict:
        query = self._query(request)
        regions = query["region"].split(",") if query.get("region") else None
        pictures = []
        for measure in ([query["measure"]] if query.get("measure") else sorted(MEASURES)):
            rows = self.db.execute(
                "SELECT instance_id, to_char(period, 'YYYY-MM') AS period, value FROM picture_cells "
                "WHERE measure = %s", (measure,)).fetchall()
            counts = {(r["instance_id"], r["period"]): r["value"] for r in rows}
            pictures.append(measure_picture(measure, MEASURES[measure], counts, query, regions))
        return {"min_count": disclosure.MIN_COUNT, "measures": pictures}

    @api("GET", "/national/picture", allow=READERS, returns=schemas.Picture,
         summary="The national picture by region and month (?region=a,b&from=YYYY-MM&to=YYYY-MM&measure=…); "
                 "counts below min_count suppressed")
    def picture(self, request):
        return self._picture(request)

    @api("GET", "/national/picture.csv", allow=READERS, produces="text/csv",
         summary="The national picture as CSV (text/csv; columns measure, region, period, value, suppressed; "
                 "totals as region or period 'total'), same query as /national/picture")
    def picture_csv(self, request):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for m in self._picture(request)["measures"]:
            rows = [(c["region"], c["period"], c) for c in m["cells"]]
            rows += [(t["region"], disclosure.TOTAL, t) for t in m["region_totals"]]
            rows += [(disclosure.TOTAL, t["period"], t) for t in m["period_totals"]]
            rows.append((disclosure.TOTAL, disclosure.TOTAL, m["total"]))
            for region, period, count in rows:
                writer.writerow((m["measure"], region, period, "" if count["value"] is None else count["value"],
                                 str(count["suppressed"]).lower()))
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="national-picture.csv"'})


def measure_picture(measure: str, description: str, counts: dict, query: dict, regions) -> dict:
    """One measure's protected table (region × month, `counts`: (region, YYYY-MM) -> count), as the view the
    query selects (N10: margins of the whole table)."""
    table = disclosure.protect(counts, sorted({r for r, _ in counts}), _months(sorted({p for _, p in counts})))
    periods = [p for p in table.columns
               if (not query.get("from_") or p >= query["from_"]) and (not query.get("to") or p <= query["to"])]
    view = disclosure.select(table, regions, periods)
    return {
        "measure": measure, "description": description, "regions": view.rows, "periods": view.columns,
        "cells": [{"region": r, "period": p, **disclosure.as_count(view.cells[(r, p)])}
                  for r in view.rows for p in view.columns],
        "region_totals": [{"region": r, **disclosure.as_count(view.row_totals[r])} for r in view.rows],
        "period_totals": [{"period": p, **disclosure.as_count(view.column_totals[p])} for p in view.columns],
        "total": disclosure.as_count(view.total)}


def _months(present: list[str]) -> list[str]:
    """Every month from the first to the last with a count (a month without facts is a 0, not a gap)."""
    if not present:
        return []
    year, month = map(int, present[0].split("-"))
    months, last = [], present[-1]
    while True:
        months.append(f"{year:04d}-{month:02d}")
        if months[-1] >= last or len(months) > 1200:
            return months
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
