"""The daily step of `python -m bench` (issue 18): the scale's panel as daily files up to the day
before its last, a full `dbt build`, then the last day appended and built incrementally with
retraining off (`retrain_policy: never`), in the same warehouse, as the daily job runs it:
`dbt build --selector daily` (selectors.yml: the incremental SQL layer, the score refresh, the
target lists, monitoring, data quality and insight marts). Both runs are measured like the main
build (bench.procmon).

Between them, `dbt parse` with the daily job's vars (measured, not counted in the day): the
parse state the previous day's job leaves. dbt parses the whole project again when the vars
differ from the last invocation's, which here is the full build's; every later day with the
same vars reuses the parse, so counting it would measure the first day after a full build,
not a day."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import duckdb

from bench.procmon import run_measured

LAYOUT = "daily"
DAILY_JOB = ("--selector", "daily", "--vars", "{retrain_policy: never}")


def last_event_date(panel_dir: Path, fmt: str) -> dt.date:
    """The newest event date of the single-file panel's sessions (the generator writes ISO dates)."""
    path = str(panel_dir / f"sessions.{fmt}")
    reader = "read_parquet(?)" if fmt == "parquet" else "read_csv(?, header = true, all_varchar = true)"
    with duckdb.connect() as con:
        return con.execute(f"select max(try_cast(event_date as date)) from {reader}", [path]).fetchone()[0]


def run_daily(single_panel: dict, fmt: str, memory_limit: str, run_dir: Path, log_dir: Path, build) -> dict:
    """Generate the daily panel, build it fully, append the last day, build incrementally.
    `build(panel_dir, fmt, memory_limit, build_dir, layout=, fresh=, dbt_args=, name=)` runs and
    measures one dbt build (bench.run.run_build)."""
    from bench.run import REPO, _failed, child_env, dbt_invocation  # run imports this module

    last = last_event_date(Path(single_panel["dir"]), fmt)
    through = last - dt.timedelta(days=1)
    panel_dir, build_dir = run_dir / "daily-panel", run_dir / "daily"
    shutil.rmtree(panel_dir, ignore_errors=True)
    generator = [sys.executable, "-m", "shopper_propensity.panel", "--out", str(panel_dir)]

    def generate(name: str, *args: str):
        measured = run_measured([*generator, *args], log_dir=log_dir, name=f"daily-{name}-{fmt}", env=child_env(),
                                cwd=REPO)
        if not measured.ok:
            raise SystemExit(_failed(f"daily panel ({name})", measured))
        return measured.to_dict()

    generation = generate("generate", "--sessions", str(single_panel["sessions"]), "--seed", str(single_panel["seed"]),
                          "--format", fmt, "--layout", LAYOUT, "--through", through.isoformat())
    full = build(panel_dir, fmt, memory_limit, build_dir, layout=LAYOUT, name="dbt-build-full")
    append = generate("append", "--append-days", "1")
    command, env = dbt_invocation("parse", panel_dir, fmt, memory_limit, build_dir, LAYOUT, DAILY_JOB[2:])
    parse = run_measured(command, log_dir=build_dir, name="dbt-parse-daily-vars", env=env,
                         cwd=REPO)
    if not parse.ok:
        raise SystemExit(_failed("dbt parse with the daily job's vars", parse))
    incremental = build(panel_dir, fmt, memory_limit, build_dir, layout=LAYOUT, fresh=False,
                        dbt_args=DAILY_JOB, name="dbt-build-incremental")
    return {"layout": LAYOUT, "first_build_through": through.isoformat(), "appended_day": last.isoformat(),
            "generation": generation, "append": append, "full": full, "parse": parse.to_dict(),
            "incremental": incremental}
