"""Run every benchmark, each beside its baseline measured in the same run, and summarise against targets.

    .venv/bin/python -m bench                    # append, relay, latency (≈ 5 minutes)
    .venv/bin/python -m bench --only relay,latency
    .venv/bin/python -m bench --table            # table of bench/results.json into README.md, run nothing

Figures land in bench/results.json (latest run per benchmark) and the table in bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import re

from bench.common import RESULTS  # first: imports runtime, which must precede psycopg

README = RESULTS.with_name("README.md")
BENCHMARKS = ("append", "relay", "latency", "projection", "memory", "mixed", "library", "aggregation")
START, END = "<!-- figures:start -->", "<!-- figures:end -->"


def rows(results: dict) -> list[tuple[str, str, str, str, str, str]]:
    """(benchmark, measured, baseline, ratio, target, met) for each figure with a target."""
    out = []
    for a in (results[name] for name in ("append", "append_1_writer") if name in results):
        writers = f"{a['writers']} writer{'s' if a['writers'] != 1 else ''}"
        out.append((f"append, {writers}", f"{a['append_events_per_s']} events/s",
                    f"{a['baseline_insert_rows_per_s']} rows/s (durable INSERT loop)",
                    f"{a['ratio']} (median paired {a.get('ratio_median_paired', '–')})",
                    f"≥ {a['target_ratio']}", "yes" if a["ratio"] >= a["target_ratio"] else "no"))
        if "append_in_transaction_events_per_s" in a:  # beside it: BEGIN, append, COMMIT (no target)
            out.append((f"append in a transaction, {writers}", f"{a['append_in_transaction_events_per_s']} events/s",
                        f"{a['baseline_insert_rows_per_s']} rows/s (durable INSERT loop)",
                        f"{a['ratio_in_transaction']}", "–", "–"))
    if "relay" in results:
        r = results["relay"]
        out.append(("relay publish", f"{r['relay_events_per_s']} events/s",
                    f"{r['baseline_confirmed_publish_msgs_per_s']} msgs/s (confirm per message)",
                    f"{r['ratio']} (median paired {r.get('ratio_median_paired', '–')})",
                    f"≥ {r['target_ratio']}", "yes" if r["ratio"] >= r["target_ratio"] else "no"))
    if "projection" in results:
        p = results["projection"]
        out.append((f"projection rebuild, {p['events']:,} events", f"{p['rebuild_events_per_s']} events/s",
                    f"{p['baseline_scan_rows_per_s']} rows/s (plain scan)",
                    f"{p['ratio']} (median paired {p.get('ratio_median_paired', '–')})",
                    f"≥ {p['target_ratio']}", "yes" if p["ratio"] >= p["target_ratio"] else "no"))
    if "memory" in results:
        m = results["memory"]
        out.append((f"resident memory, worst of {len(m['services'])} processes idle and under load",
                    f"{m['worst_rss_mb']} MB", f"{m['baseline_bare_nameko_idle_mb']} MB (bare nameko service)",
                    f"{m['ratio']}", f"≤ {m['target_mb']} MB",
                    "yes" if m["worst_rss_mb"] <= m["target_mb"] else "no"))
    if "library" in results:
        lib = results["library"]
        out.append((f"append beside eventsourcing's recorder, {lib['writers']} writers",
                    f"{lib['append_events_per_s']} events/s",
                    f"{lib['baseline_eventsourcing_events_per_s']} events/s (eventsourcing PostgresApplicationRecorder)",
                    f"{lib['ratio']} (median paired {lib.get('ratio_median_paired', '–')})",
                    f"≥ {lib['target_ratio']}", "yes" if lib["ratio"] >= lib["target_ratio"] else "no"))
    if "mixed" in results:
        x = results["mixed"]
        out.append((f"mixed load {x['seconds']:.0f} s, {x['writers']} writers + {x['readers']} reader: adopt p50",
                    f"{x['adopt_under_load_p50_ms']} ms (p99 {x['adopt_under_load_p99_ms']}; "
                    f"max relay lag {x['max_relay_lag_events']}, consumer lag {x['max_consumer_lag']}; {x['plot']})",
                    f"{x['baseline_adopt_alone_p50_ms']} ms (the same command alone)", f"{x['ratio']}", "–", "–"))
    if "aggregation" in results:
        g = results["aggregation"]
        size = f"{g['regions']} instances × {g['events_per_region']:,} facts"
        partial = "" if g.get("complete", True) else f" (rate over {g['measured']['applied']:,} applied; round timed out)"
        out.append((f"national aggregation, {size}", f"{g['aggregation_events_per_s']} events/s{partial}",
                    f"{g['baseline_raw_transfer_events_per_s']} msgs/s (same relays and shovels, bare consumer)",
                    f"{g['ratio']}", f"≥ {g['target_ratio']}", "yes" if g["ratio"] >= g["target_ratio"] else "no"))
    for name, label in (("latency", ""), ("latency_with_background_writes", ", 1 writer in another database")):
        if name not in results:
            continue
        lat = results[name]
        if name != "latency":
            n = lat["background_writers"]
            label = f", {n} writer{'s' if n != 1 else ''} in another database"
        for p in ("p50", "p99"):
            ratio, target = lat[f"ratio_{p}"], lat[f"target_ratio_{p}"]
            out.append((f"command → read model {p}{label}", f"{lat[f'command_to_read_model_{p}_ms']} ms",
                        f"{lat[f'baseline_rpc_{p}_ms']} ms (nameko RPC round trip)", f"{ratio}",
                        f"≤ {target}", "yes" if ratio <= target else "no"))
    return out


def table(results: dict) -> str:
    header = ("benchmark", "measured", "baseline (same run)", "ratio", "target", "met")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results)]
    when = sorted({v["measured_at"] for v in results.values() if isinstance(v, dict) and "measured_at" in v})
    machine = {v.get("machine") for v in results.values() if isinstance(v, dict)} - {None}
    code = {v.get("code") for v in results.values() if isinstance(v, dict)} - {None}
    if when:
        lines.append(f"\nMeasured {when[0]} – {when[-1]} UTC on {', '.join(sorted(machine))}"
                     + (f", code at {', '.join(sorted(code))}" if code else "") + ".")
    return "\n".join(lines)


def update_readme(text: str) -> None:
    if not README.exists():
        return
    readme = README.read_text()
    if START in readme and END in readme:
        readme = re.sub(re.escape(START) + r".*?" + re.escape(END), f"{START}\n{text}\n{END}", readme, flags=re.S)
        README.write_text(readme)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated: " + ",".join(BENCHMARKS))
    parser.add_argument("--table", action="store_true",
                        help="print the recorded figures and refresh README.md's table; run nothing")
    args = parser.parse_args(argv)
    failed = []
    if not args.table:
        chosen = [b.strip() for b in args.only.split(",") if b.strip()]
        unknown = set(chosen) - set(BENCHMARKS)
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        for name in BENCHMARKS:
            if name in chosen:
                module = __import__(f"bench.{name}", fromlist=["main"])
                print(f"\n### {name}", flush=True)
                try:
                    module.main([])
                except Exception as exc:  # noqa: BLE001  (the others still run; the table keeps its last figures)
                    failed.append(name)
                    print(f"  {name} failed: {type(exc).__name__}: {exc}", flush=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    text = table(results)
    print("\n" + text)
    update_readme(text)
    if not args.table:
        if failed:
            raise SystemExit(f"failed: {', '.join(failed)} (their rows show the previous figures)")


if __name__ == "__main__":
    main()
