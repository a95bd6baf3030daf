"""Command line: ``python -m shopper_propensity.report [--serving FILE] [--out DIR]``.

Run after the build (``make report`` after ``make build``): it reads the marts from the serving
file the build published, read-only, for the moment it takes to read them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shopper_propensity.serving import serving_file

from .build import build_report
from .marts import MartsUnavailable

DEFAULT_OUT = Path("target") / "report"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shopper_propensity.report", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--serving",
        type=Path,
        default=serving_file(),
        help=f"DuckDB file of the served marts (default: {serving_file()}, from $SHOPPER_EXPORTS_DIR or exports/)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="dbt project holding the exposures (default: .)"
    )
    args = parser.parse_args(argv)
    try:
        report = build_report(args.serving, args.out, args.project_dir)
    except MartsUnavailable as error:
        print(f"report: {error}", file=sys.stderr)
        return 2
    empty = [figure for figure in report.figures if figure.kind == "no-data"]
    print(
        f"wrote {report.path} ({report.path.stat().st_size / 1e6:.1f} MB): {len(report.figures)} figures, "
        f"{len(report.figures) - len(empty)} drawn, in {report.seconds:.1f} s"
    )
    for figure in empty:
        print(f"  no data: {figure.spec.name}: {figure.content}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
