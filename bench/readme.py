"""The README's benchmark table, rendered from recorded runs rather than typed.

bench/results.json holds one record per benchmark run that made it into the README: the
headline figures of its Parquet build, taken from that run's bench/runs/<scale>/report.json.
The table between the README's bench-table markers is rendered from it, one row per scale,
a range where the recorded runs differ.

    python -m bench.readme --record bench/runs/paper/report.json   # add a run, re-render
    python -m bench.readme                                          # re-render only

(`make bench-readme SCALE=paper` runs the first.) tests/python/test_bench_readme.py fails when
the README's table is not the rendering of results.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench import report

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results.json"
README = REPO / "README.md"
START, END = "<!-- bench-table:start (python -m bench.readme) -->", "<!-- bench-table:end -->"
SCALE_ORDER = ("1m", "paper", "10x")  # smoke checks the harness: not a result
DEFAULT_MEMORY_LIMIT = "6GB"  # bench/run.py's default; any other is noted in the row
HEADER = ("scale", "session rows", "full `dbt build` wall", "peak RSS (process tree)",
          "pandas baseline (its share of the work only)")


def record(run: dict) -> dict:
    """A results.json record of one run's report.json: its Parquet build (else its first build)."""
    if run["scale"] not in SCALE_ORDER:
        raise ValueError(f"scale {run['scale']!r} is not in the README's table ({', '.join(SCALE_ORDER)})")
    formats = [fmt for fmt, entry in run["formats"].items() if entry.get("build")]
    if not formats:
        raise ValueError("the report has no build")
    fmt = report.TARGET_FORMAT if report.TARGET_FORMAT in formats else formats[0]
    entry = run["formats"][fmt]
    figures = report.headline(entry)
    if not figures["build_ok"]:
        raise ValueError(f"the {fmt} build of this run failed: only successful builds are recorded")
    machine = run["machine"]
    return {
        "scale": run["scale"],
        "format": fmt,
        "started_at": run["started_at"],
        "commit": run["git"]["commit"],
        "machine": f"{machine['cpu_model']}, {machine['cpus_usable']} usable cores, "
                   f"{report.fmt_bytes(machine['ram_bytes'])} RAM, load {machine['load_avg_start'][0]:.2f} at start",
        "memory_limit": run["settings"]["memory_limit"],
        "session_rows": (entry["build"].get("rows") or {}).get("base_comscore__sessions") or run["sessions_requested"],
        "build_wall_s": figures["wall_s"],
        "peak_rss_bytes": figures["peak_rss"],
        "spill_bytes": figures["spill_bytes"] or 0,
        "baseline_wall_s": figures["baseline_s"],
        "baseline_status": figures["baseline_status"] or "not run",
    }


def add_record(results: dict, new: dict) -> dict:
    """results with the record added (a record of the same run, by start time, is replaced)."""
    same_run = (new["scale"], new["started_at"])
    runs = [run for run in results["runs"] if (run["scale"], run.get("started_at")) != same_run]
    return {**results, "runs": [*runs, new]}


# ------------------------------------------------------------------------------------------
# Rendering: a value is a number or, in a record carried over from before results were
# recorded, a [low, high] range over the runs the README then reported
# ------------------------------------------------------------------------------------------


def _span(values: list) -> tuple[float, float] | None:
    numbers = [x for value in values if value is not None for x in (value if isinstance(value, list) else [value])]
    return (min(numbers), max(numbers)) if numbers else None


def _duration(seconds: float, minutes_only: bool) -> str:
    if minutes_only:
        return f"{seconds / 60:.0f} min"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _durations(span: tuple[float, float]) -> str:
    low, high = span
    minutes_only = low >= 600
    if round(low) == round(high):
        return _duration(low, minutes_only)
    if minutes_only:
        return f"{low / 60:.0f} – {high / 60:.0f} min"
    return f"{_duration(low, False)} – {_duration(high, False)}"


def _sizes(span: tuple[float, float], unit: float, suffix: str, digits: int) -> str:
    low, high = (format(value / unit, f".{digits}g") for value in span)
    return f"{low}{suffix}" if low == high else f"{low} – {high}{suffix}"


def _row(scale: str, runs: list[dict]) -> list[str]:
    wall = _durations(_span([run["build_wall_s"] for run in runs]))
    limits = sorted({run["memory_limit"] for run in runs} - {DEFAULT_MEMORY_LIMIT})
    spill = _span([run.get("spill_bytes") for run in runs])
    notes = [f"`memory_limit` {limit}" for limit in limits]
    if spill and spill[1] > 0:
        notes.append(f"{_sizes((spill[1], spill[1]), report.GB, ' GB', 2)} spilled to disk")
    if notes:
        wall += f" ({', '.join(notes)})"
    baseline = _span([run["baseline_wall_s"] for run in runs if run["baseline_status"] == "finished"])
    return [
        scale,
        _sizes(_span([run["session_rows"] for run in runs]), 1e6, "M", 4),
        wall,
        _sizes(_span([run["peak_rss_bytes"] for run in runs]), report.GB, " GB", 3),
        _durations(baseline) if baseline else "not run",
    ]


def render_table(results: dict) -> str:
    scales = [scale for scale in SCALE_ORDER if any(run["scale"] == scale for run in results["runs"])]
    rows = [_row(scale, [run for run in results["runs"] if run["scale"] == scale]) for scale in scales]
    return report.table(list(HEADER), rows)


def with_table(readme: str, table: str) -> str:
    """The README text with the table between the markers replaced."""
    if readme.count(START) != 1 or readme.count(END) != 1:
        raise ValueError(f"README.md must hold the markers {START} and {END} once each")
    head, rest = readme.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.readme", description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", type=Path, help="a run's report.json to add to bench/results.json first")
    args = parser.parse_args(argv)
    results = json.loads(RESULTS.read_text())
    if args.record:
        results = add_record(results, record(json.loads(args.record.read_text())))
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    README.write_text(with_table(README.read_text(), render_table(results)))
    print(render_table(results))


if __name__ == "__main__":
    main()
