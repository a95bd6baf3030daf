"""Raw-scan floor: the time DuckDB needs just to read each panel file once, the cost no build of
those files can go below.  Prints one JSON object.

Each file is read the way the dbt source reads it (CSV as all-VARCHAR text with a header,
Parquet as is) and every column of every row is hashed: a bare count(*) would let DuckDB skip
decoding columns (Parquet answers it from metadata), which is not a read.  Each file is scanned
`--repeats` times and the fastest (warm page cache, as the build that follows sees it) counts.

    python bench/scan_floor.py --panel-dir data/bench/1m-parquet --format parquet --memory-limit 6GB
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from shopper_propensity.sql_literals import sql_literal

TABLES = ("sessions", "transactions", "campaign_exposures")  # the files the dbt source reads


def reader_sql(path: Path, fmt: str) -> str:
    """Table expression reading one panel file with the dbt source's reader options."""
    if fmt == "parquet":
        return f"read_parquet({sql_literal(str(path))})"
    return f"read_csv({sql_literal(str(path))}, header = true, all_varchar = true)"


def scan_seconds(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[float, int]:
    """Wall seconds of one full read of `relation` (every value hashed), and its row count."""
    started = time.perf_counter()
    rows = con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {relation}").fetchone()[0]
    return time.perf_counter() - started, rows


def measure_floor(panel_dir: Path, fmt: str, memory_limit: str, repeats: int) -> dict:
    """Per-table rows, bytes and scan seconds (all repeats, best kept), and the total floor."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = {sql_literal(memory_limit)}")
    tables = {}
    for name in TABLES:
        path = panel_dir / f"{name}.{fmt}"
        if not path.exists():
            continue
        runs = [scan_seconds(con, reader_sql(path, fmt)) for _ in range(repeats)]
        tables[name] = {"file": str(path), "bytes": path.stat().st_size, "rows": runs[0][1],
                        "seconds": [round(s, 4) for s, _ in runs], "best_s": min(s for s, _ in runs)}
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    return {"format": fmt, "repeats": repeats, "threads": threads,
            "tables": tables, "total_s": sum(t["best_s"] for t in tables.values())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--panel-dir", type=Path, required=True)
    parser.add_argument("--format", choices=("csv", "parquet"), required=True)
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    print(json.dumps(measure_floor(args.panel_dir, args.format, args.memory_limit, args.repeats)))


if __name__ == "__main__":
    main()
