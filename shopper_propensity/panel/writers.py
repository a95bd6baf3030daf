"""Panel files: every table written with the contract's column order and types (CSV or Parquet),
published only when complete, appended shard by shard for panels larger than memory; and the
DuckDB expression that reads a panel file back with its contract types."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from shopper_propensity.panel.contract import FORMATS, SCHEMAS
from shopper_propensity.sql_literals import sql_literal


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
    staged = []
    for name, table in tables.items():
        final = out / f"{name}.{fmt}"
        partial = _partial(final)
        con.register("panel_table", table)
        con.execute(f"COPY ({_contract_select(name, 'panel_table')}) TO {sql_literal(str(partial))} ({options})")
        con.unregister("panel_table")
        staged.append((partial, final))
    _publish(staged)
    return {name: table.num_rows for name, table in tables.items()}


def _clear_panel_folder(out_dir: str | os.PathLike, fmt: str) -> Path:
    """Check the format, create the folder and remove any earlier panel (either format)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        for ext in FORMATS:
            final = out / f"{name}.{ext}"
            for stale in (final, _partial(final)):
                stale.unlink(missing_ok=True)
    return out


def _contract_select(name: str, relation: str) -> str:
    """SELECT of `relation` with table `name`'s contract column order and types."""
    columns = ", ".join(f'CAST("{col}" AS {typ}) AS "{col}"' for col, typ in SCHEMAS[name])
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


def panel_source_sql(panel_dir: str | os.PathLike, name: str) -> str:
    """DuckDB table expression reading one panel file with its contract types (CSV or Parquet)."""
    base = Path(panel_dir) / name
    parquet = base.with_name(base.name + ".parquet")
    if parquet.exists():
        return f"read_parquet({sql_literal(str(parquet))})"
    columns = ", ".join(f"'{col}': '{typ}'" for col, typ in SCHEMAS[name])
    return (f"read_csv({sql_literal(str(base.with_name(base.name + '.csv')))}, header = true, "
            f"allow_quoted_nulls = false, columns = {{{columns}}})")
