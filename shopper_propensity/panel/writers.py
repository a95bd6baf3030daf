"""Panel files: every table written with the contract's column order and types (CSV or Parquet),
published only when complete, appended shard by shard for panels larger than memory, or split
into one file per date (the daily and hive layouts) a window of dates at a time; and the DuckDB
expression that reads a panel file back with its contract types."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shopper_propensity.panel.contract import FORMATS, LAYOUTS, PARTITION_COLUMNS, SCHEMAS
from shopper_propensity.sql_literals import sql_literal

# A daily or hive panel's generation parameters, read back to append its next dates.
GENERATOR_FILE = "generator.json"


def _partial(final: Path) -> Path:
    """Hidden temporary name a file is written under before it is renamed into place."""
    return final.with_name(f".{final.name}.partial")


def connect() -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB without the progress bar (it would garble CLI and CI output)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def write_panel(tables: dict[str, pa.Table], out_dir: str | os.PathLike, fmt: str = "csv") -> dict[str, int]:
    """Write every table as `<out_dir>/<name>.<fmt>` with the contract's column order and types.

    Files of an earlier panel (either format) are removed first and each file is written to a
    hidden temporary name, then all are renamed at the end: an interrupted run leaves no
    panel that looks complete, and a folder never mixes two runs.
    """
    out = _clear_panel_folder(out_dir, fmt)
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    con = connect()
    staged = [_write_whole(con, out, name, table, fmt, options) for name, table in tables.items()]
    _publish(staged)
    return {name: table.num_rows for name, table in tables.items()}


def _clear_panel_folder(out_dir: str | os.PathLike, fmt: str) -> Path:
    """Check the format, create the folder and remove any earlier panel (either format, any layout)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        for ext in FORMATS:
            final = out / f"{name}.{ext}"
            for stale in (final, _partial(final)):
                stale.unlink(missing_ok=True)
    for name in PARTITION_COLUMNS:
        shutil.rmtree(out / name, ignore_errors=True)
    (out / GENERATOR_FILE).unlink(missing_ok=True)
    return out


def _contract_select(name: str, relation: str, without: str | None = None) -> str:
    """SELECT of `relation` with table `name`'s contract column order and types (less column `without`)."""
    columns = ", ".join(f'CAST("{col}" AS {typ}) AS "{col}"' for col, typ in SCHEMAS[name] if col != without)
    return f"SELECT {columns} FROM {relation}"


def _publish(staged: list[tuple[Path, Path]]) -> None:
    """Rename (partial, final) pairs into place; sessions, the file readers look for, comes last."""
    for partial, final in reversed(staged):
        os.replace(partial, final)


# Rows per Parquet row group of a sharded panel: DuckDB reads row groups in parallel.
ROW_GROUP_ROWS = 1_000_000


class _ParquetAppender:
    """One Parquet file grown shard by shard through a pyarrow writer (DuckDB cannot append)."""

    def __init__(self, path: Path):
        self.path = path
        self.writer: pq.ParquetWriter | None = None

    def append(self, con: duckdb.DuckDBPyConnection, select: str) -> None:
        # Streamed: the typed copy of a shard is never whole in memory, only one row group is.
        reader = con.sql(select).to_arrow_reader()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, reader.schema)
        pending, rows = [], 0
        for batch in reader:  # DuckDB hands out ~120K-row batches; each write is a row group
            pending.append(batch)
            rows += batch.num_rows
            if rows >= ROW_GROUP_ROWS:
                self._write(pending)
                pending, rows = [], 0
        self._write(pending)

    def _write(self, batches: list[pa.RecordBatch]) -> None:
        if batches:
            table = pa.Table.from_batches(batches)
            self.writer.write_table(table, row_group_size=table.num_rows)  # one row group

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class _CsvAppender:
    """One CSV file grown shard by shard: DuckDB writes each shard exactly as write_panel would
    (header on the first shard only) to a scratch file whose bytes are appended."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = open(path, "wb")
        self.header = True

    def append(self, con: duckdb.DuckDBPyConnection, select: str) -> None:
        scratch = self.path.with_name(self.path.name + ".shard")
        con.execute(f"COPY ({select}) TO {sql_literal(str(scratch))} (FORMAT csv, HEADER {str(self.header).lower()})")
        self.header = False
        with open(scratch, "rb") as part:
            shutil.copyfileobj(part, self.handle, 16 << 20)
        scratch.unlink()

    def close(self) -> None:
        self.handle.close()


def write_panel_shards(shards: Iterable[dict[str, pa.Table]], out_dir: str | os.PathLike,
                       fmt: str = "csv") -> dict[str, int]:
    """Append every shard's tables to one `<out_dir>/<name>.<fmt>` per table, one shard in memory.

    Each shard's dict is emptied once written.  Same contract, folder clean-up and
    rename-at-the-end as write_panel.  CSV bytes are those
    write_panel writes for the concatenated tables; Parquet is written by pyarrow in row
    groups of ROW_GROUP_ROWS (same schema, different encoding than DuckDB's writer).
    """
    out = _clear_panel_folder(out_dir, fmt)
    appender = _ParquetAppender if fmt == "parquet" else _CsvAppender
    con = connect()
    files: dict[str, _ParquetAppender | _CsvAppender] = {}
    counts: dict[str, int] = {}
    try:
        for tables in shards:
            for name, table in tables.items():
                if name not in files:
                    files[name] = appender(_partial(out / f"{name}.{fmt}"))
                con.register("panel_table", table)
                files[name].append(con, _contract_select(name, "panel_table"))
                con.unregister("panel_table")
                counts[name] = counts.get(name, 0) + table.num_rows
            # Emptied once written: the loop variable (and the generator's local) would otherwise
            # keep this shard alive while the next one is generated, doubling peak memory.
            tables.clear()
    finally:
        for file in files.values():
            file.close()
    _publish([(file.path, out / f"{name}.{fmt}") for name, file in files.items()])
    return counts


# --------------------------------------------------------------------------------------------
# Daily files: one file per table and date
# --------------------------------------------------------------------------------------------


def panel_dates(tables: dict[str, pa.Table]) -> tuple[dt.date, dt.date]:
    """The first and last date of the panel's dated tables (PARTITION_COLUMNS)."""
    bounds = [pc.min_max(tables[name][column]) for name, column in PARTITION_COLUMNS.items() if name in tables]
    return (min(b["min"].as_py() for b in bounds if b["min"].is_valid),
            max(b["max"].as_py() for b in bounds if b["max"].is_valid))


def day_file(out_dir: str | os.PathLike, name: str, layout: str, day: dt.date, fmt: str) -> Path:
    """The file of table `name` for one date in the daily or hive layout."""
    folder = Path(out_dir) / name
    if layout == "hive":
        folder = folder / f"{PARTITION_COLUMNS[name]}={day.isoformat()}"
    return folder / f"{name}_{day.isoformat()}.{fmt}"


def held_dates(out_dir: str | os.PathLike, layout: str, fmt: str) -> list[dt.date]:
    """The dates whose sessions file a daily or hive panel folder holds, in order."""
    pattern = re.compile(rf"sessions_(\d{{4}}-\d{{2}}-\d{{2}})\.{fmt}")
    held = []
    for path in (Path(out_dir) / "sessions").rglob(f"sessions_*.{fmt}"):
        if match := pattern.fullmatch(path.name):
            day = dt.date.fromisoformat(match[1])
            if path == day_file(out_dir, "sessions", layout, day, fmt):
                held.append(day)
    return sorted(held)


def rows_through(tables: dict[str, pa.Table], last: dt.date) -> dict[str, pa.Table]:
    """The tables with the dated tables' rows up to `last` (the truth tables whole)."""
    return {name: table.filter(pc.less_equal(table[PARTITION_COLUMNS[name]], pa.scalar(last, pa.date32())))
            if name in PARTITION_COLUMNS else table for name, table in tables.items()}


def write_panel_days(tables: dict[str, pa.Table], out_dir: str | os.PathLike, fmt: str, layout: str,
                     first: dt.date, last: dt.date, append: bool = False) -> dict[str, int]:
    """Write each dated table as one file per date from `first` to `last` (a date without rows
    gets a file without rows: a header only, or a Parquet file of 0 rows); the truth tables whole.

    A date's file depends only on the panel's rows of that date, in their order in the table,
    so days written one window at a time are byte-identical to the same days written at once.
    append=False removes an earlier panel first; append=True adds the window's files to those
    already there.  Files are published when all are written, as write_panel does.  Returns the
    rows written per table.
    """
    if layout not in LAYOUTS[1:]:
        raise ValueError(f"layout must be one of {LAYOUTS[1:]}, got {layout!r}")
    out = Path(out_dir) if append else _clear_panel_folder(out_dir, fmt)
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    con = connect()
    con.execute("SET threads = 1")  # one writer: each date's rows keep the table's order
    staged, counts = [], {}
    for name, table in tables.items():
        if name in PARTITION_COLUMNS:
            counts[name] = _write_days(con, out, name, table, fmt, layout, (first, last), options, staged)
        else:
            staged.append(_write_whole(con, out, name, table, fmt, options))
            counts[name] = table.num_rows
    _publish(staged)
    return counts


def _write_days(con: duckdb.DuckDBPyConnection, out: Path, name: str, table: pa.Table, fmt: str, layout: str,
                window: tuple[dt.date, dt.date], options: str, staged: list[tuple[Path, Path]]) -> int:
    """Write the window's date files of one table under their partial names (added to `staged`);
    returns the rows written. DuckDB splits the rows by date in one pass (PARTITION_BY)."""
    column = PARTITION_COLUMNS[name]
    if table[column].null_count:
        raise ValueError(f"{name}.{column} has missing values: such rows belong to no date's file")
    first, last = (pa.scalar(day, pa.date32()) for day in window)
    rows = table.filter(pc.and_(pc.greater_equal(table[column], first), pc.less_equal(table[column], last)))
    scratch = out / f".{name}.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    hive = layout == "hive"
    con.register("panel_table", rows)
    con.execute(f"COPY ({_contract_select(name, 'panel_table')}) TO {sql_literal(str(scratch / 'dates'))} "
                f"({options}, PARTITION_BY (\"{column}\"), WRITE_PARTITION_COLUMNS {str(not hive).lower()}, "
                "FILENAME_PATTERN 'part')")
    empty = scratch / f"empty.{fmt}"
    con.execute(f"COPY ({_contract_select(name, 'panel_table', without=column if hive else None)} LIMIT 0) "
                f"TO {sql_literal(str(empty))} ({options})")
    con.unregister("panel_table")
    day = window[0]
    while day <= window[1]:
        written = list((scratch / "dates" / f"{column}={day.isoformat()}").glob(f"*.{fmt}"))
        if len(written) > 1:
            raise RuntimeError(f"DuckDB split {name} of {day} into {len(written)} files")
        final = day_file(out, name, layout, day, fmt)
        final.parent.mkdir(parents=True, exist_ok=True)
        if written:
            os.replace(written[0], _partial(final))
        else:
            shutil.copyfile(empty, _partial(final))
        staged.append((_partial(final), final))
        day += dt.timedelta(days=1)
    shutil.rmtree(scratch)
    return rows.num_rows


def _write_whole(con: duckdb.DuckDBPyConnection, out: Path, name: str, table: pa.Table, fmt: str,
                 options: str) -> tuple[Path, Path]:
    """Write one table as a single file under its hidden partial name; returns (partial, final)."""
    final = out / f"{name}.{fmt}"
    con.register("panel_table", table)
    con.execute(f"COPY ({_contract_select(name, 'panel_table')}) TO {sql_literal(str(_partial(final)))} ({options})")
    con.unregister("panel_table")
    return _partial(final), final


def panel_source_sql(panel_dir: str | os.PathLike, name: str) -> str:
    """DuckDB table expression reading one panel file with its contract types (CSV or Parquet)."""
    base = Path(panel_dir) / name
    parquet = base.with_name(base.name + ".parquet")
    if parquet.exists():
        return f"read_parquet({sql_literal(str(parquet))})"
    columns = ", ".join(f"'{col}': '{typ}'" for col, typ in SCHEMAS[name])
    return (f"read_csv({sql_literal(str(base.with_name(base.name + '.csv')))}, header = true, "
            f"allow_quoted_nulls = false, columns = {{{columns}}})")
