"""The README's benchmark table is rendered from the recorded runs (bench/results.json), never typed,
and a run's report.json becomes a record with its Parquet build's figures."""

from __future__ import annotations

import json

import pytest

from bench import readme
from conftest import REPO_ROOT


def _results() -> dict:
    return json.loads((REPO_ROOT / "bench" / "results.json").read_text())


def test_the_readme_table_is_the_rendering_of_the_recorded_runs():
    text = (REPO_ROOT / "README.md").read_text()
    assert readme.with_table(text, readme.render_table(_results())) == text, \
        "README's benchmark table differs from bench/results.json: run python -m bench.readme"


def _report(wall_s: float, started_at: str, spill: int = 0) -> dict:
    """A report.json of a 1m run, with the fields the record reads."""
    build = {"measured": {"ok": True, "wall_s": wall_s, "peak_rss": 2_345_000_000, "peak_dir_bytes": spill},
             "summary": {"sql_models_s": 40.0}, "rows": {"base_comscore__sessions": 1_017_553}}
    return {
        "scale": "1m", "sessions_requested": 1_000_000, "started_at": started_at,
        "git": {"commit": "abc1234"}, "settings": {"memory_limit": "6GB"},
        "machine": {"cpu_model": "Test CPU", "cpus_usable": 2, "ram_bytes": 24 * 10**9, "load_avg_start": [0.3]},
        "formats": {
            "csv": {"build": {**build, "measured": {**build["measured"], "wall_s": 999.0}}},
            "parquet": {"build": build, "baseline": {"status": "finished", "measured": {"wall_s": 31.4}}},
        },
    }


def test_a_recorded_run_replaces_its_earlier_record_and_ranges_span_the_runs():
    results = {"runs": [run for run in _results()["runs"] if run["scale"] != "1m"]}
    results = readme.add_record(results, readme.record(_report(81.0, "2025-01-01T10:00:00+00:00")))
    results = readme.add_record(results, readme.record(_report(95.0, "2025-01-02T10:00:00+00:00", spill=2 * 10**9)))
    results = readme.add_record(results, readme.record(_report(92.0, "2025-01-02T10:00:00+00:00")))  # same run again
    one_m = [run for run in results["runs"] if run["scale"] == "1m"]
    assert [run["build_wall_s"] for run in one_m] == [81.0, 92.0]
    assert one_m[0]["format"] == "parquet" and one_m[0]["commit"] == "abc1234"
    row = next(line for line in readme.render_table(results).splitlines() if line.startswith("| 1m "))
    assert row == "| 1m | 1.018M | 81 s – 92 s | 2.35 GB | 31 s |"


def test_only_a_successful_build_at_a_table_scale_is_recorded():
    failed = _report(80.0, "2025-01-03T10:00:00+00:00")
    failed["formats"]["parquet"]["build"]["measured"]["ok"] = False
    with pytest.raises(ValueError, match="failed"):
        readme.record(failed)
    with pytest.raises(ValueError, match="smoke"):
        readme.record({**_report(80.0, "2025-01-03T10:00:00+00:00"), "scale": "smoke"})
