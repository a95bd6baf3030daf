"""The command line: ``python -m shopper_propensity.panel --sessions N --seed S --out DIR``."""

from __future__ import annotations

import argparse
import time

import shopper_propensity.panel as package
from shopper_propensity.panel.contract import FORMATS
from shopper_propensity.panel.generate import generate_panel, generate_shards
from shopper_propensity.panel.report import calibration_marginals, format_report
from shopper_propensity.panel.scenarios import SCENARIOS
from shopper_propensity.panel.writers import write_panel, write_panel_shards


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shopper_propensity.panel",
                                     description=package.__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=500_000, help="target number of session rows")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenario", choices=list(SCENARIOS), default="default",
                        help="a hostile condition of real panels (see Scenario); default changes nothing")
    parser.add_argument("--out", default="data/panel", help="output folder")
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--report", action="store_true", help="print generated vs reference marginals")
    parser.add_argument("--shards", type=int, default=1,
                        help="generate and append this many independent household shards, one in memory "
                             "at a time (for panels larger than RAM; 1 = the single-pass panel)")
    args = parser.parse_args(argv)
    if args.shards > 1 and args.scenario != "default":
        parser.error("--scenario applies to single-pass panels only (--shards 1)")
    started = time.perf_counter()
    if args.shards == 1:
        counts = write_panel(generate_panel(args.sessions, args.seed, args.scenario), args.out, args.format)
    else:
        counts = write_panel_shards(generate_shards(args.sessions, args.seed, args.shards), args.out, args.format)
    summary = ", ".join(f"{name}={rows:,}" for name, rows in counts.items())
    shards = f", {args.shards} shards" if args.shards > 1 else ""
    scenario = f", scenario {args.scenario}" if args.scenario != "default" else ""
    print(f"{args.out} ({args.format}, seed {args.seed}{shards}{scenario}): {summary} "
          f"in {time.perf_counter() - started:.1f}s")
    if args.report:
        print(format_report(calibration_marginals(args.out)))


if __name__ == "__main__":
    main()
