"""The command line: ``python -m shopper_propensity.panel --sessions N --seed S --out DIR``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import shopper_propensity.panel as package
from shopper_propensity.panel.contract import FORMATS, LAYOUTS
from shopper_propensity.panel.generate import generate_panel, generate_shards
from shopper_propensity.panel.report import calibration_marginals, format_report
from shopper_propensity.panel.scenarios import SCENARIOS
from shopper_propensity.panel.writers import (
    GENERATOR_FILE,
    held_dates,
    panel_dates,
    rows_through,
    write_panel,
    write_panel_days,
    write_panel_shards,
)

# What makes a panel: the same values give the same rows. A daily or hive panel records them
# (GENERATOR_FILE) so that --append-days extends the same panel.
DEFAULTS = {"sessions": 500_000, "seed": 7, "scenario": "default", "format": "csv", "layout": "single"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shopper_propensity.panel",
                                     description=package.__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, help=f"target number of session rows (default {DEFAULTS['sessions']})")
    parser.add_argument("--seed", type=int, help=f"default {DEFAULTS['seed']}")
    parser.add_argument("--scenario", choices=list(SCENARIOS),
                        help="a hostile condition of real panels (see Scenario); default changes nothing")
    parser.add_argument("--out", default="data/panel", help="output folder")
    parser.add_argument("--format", choices=FORMATS, help="default csv")
    parser.add_argument("--layout", choices=LAYOUTS,
                        help="single (default): <out>/<table>.<format>; daily: <out>/<table>/<table>_<date>.<format>; "
                             "hive: <out>/<table>/<date column>=<date>/<table>_<date>.<format>")
    parser.add_argument("--through", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="write the panel's rows (single) or dates (daily, hive) up to this date only")
    parser.add_argument("--append-days", type=int, metavar="N",
                        help="add the next N dates' files to the daily or hive panel in --out, generated with "
                             f"the parameters it was written with ({GENERATOR_FILE})")
    parser.add_argument("--report", action="store_true", help="print generated vs reference marginals")
    parser.add_argument("--shards", type=int, default=1,
                        help="generate and append this many independent household shards, one in memory "
                             "at a time (for panels larger than RAM; 1 = the single-pass panel)")
    args = parser.parse_args(argv)
    given = {name: getattr(args, name) for name in DEFAULTS if getattr(args, name) is not None}
    params = {**DEFAULTS, **(_recorded_parameters(parser, args.out, given) if args.append_days is not None else given)}
    if args.shards > 1 and (params["scenario"] != "default" or params["layout"] != "single" or args.through):
        parser.error("--scenario, --layout and --through apply to single-pass panels only (--shards 1)")
    if args.report and params["layout"] != "single":
        parser.error("--report reads a panel of the single layout")
    started = time.perf_counter()
    if args.shards > 1:
        counts = write_panel_shards(generate_shards(params["sessions"], params["seed"], args.shards), args.out,
                                    params["format"])
        written = f", {args.shards} shards"
    else:
        tables = generate_panel(params["sessions"], params["seed"], params["scenario"])
        counts, written = _write(parser, args, params, tables)
    summary = ", ".join(f"{name}={rows:,}" for name, rows in counts.items())
    scenario = f", scenario {params['scenario']}" if params["scenario"] != "default" else ""
    print(f"{args.out} ({params['format']}, seed {params['seed']}{written}{scenario}): {summary} "
          f"in {time.perf_counter() - started:.1f}s")
    if args.report:
        print(format_report(calibration_marginals(args.out)))


def _write(parser: argparse.ArgumentParser, args: argparse.Namespace, params: dict, tables: dict):
    """Write the tables in the chosen layout; returns the rows written and how (for the summary)."""
    if params["layout"] == "single":
        if args.through:
            tables = rows_through(tables, args.through)
        return write_panel(tables, args.out, params["format"]), f", through {args.through}" if args.through else ""
    first, last = panel_dates(tables)
    if args.append_days is not None:
        if args.through or args.append_days < 1:
            parser.error("--append-days takes a number of days (1 or more) and no --through")
        held = held_dates(args.out, params["layout"], params["format"])
        if not held:
            parser.error(f"--append-days: {args.out} holds no {params['layout']} sessions files")
        first, last = held[-1] + dt.timedelta(days=1), min(last, held[-1] + dt.timedelta(days=args.append_days))
        if first > last:
            parser.error(f"--append-days: {args.out} already holds every date of the panel (through {held[-1]})")
    elif args.through:
        if args.through < first:
            parser.error(f"--through {args.through} is before the panel's first date, {first}")
        last = min(last, args.through)
    counts = write_panel_days(tables, args.out, params["format"], params["layout"], first, last,
                              append=args.append_days is not None)
    if args.append_days is None:
        (Path(args.out) / GENERATOR_FILE).write_text(json.dumps(params, indent=2, sort_keys=True) + "\n")
    return counts, f", {params['layout']} files {first}..{last}"


def _recorded_parameters(parser: argparse.ArgumentParser, out: str, given: dict) -> dict:
    """The parameters a daily or hive panel was generated with; a different one given stops the run."""
    recorded_file = Path(out) / GENERATOR_FILE
    if not recorded_file.exists():
        parser.error(f"--append-days: {recorded_file} not found (write the panel with --layout daily or hive first)")
    recorded = json.loads(recorded_file.read_text())
    differ = [f"--{name} {value} (the panel's: {recorded[name]})" for name, value in given.items()
              if value != recorded[name]]
    if differ:
        parser.error("--append-days extends the panel as it was generated; given " + ", ".join(differ))
    return recorded
