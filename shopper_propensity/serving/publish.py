"""The two steps of publishing a build's marts (see shopper_propensity.serving).

The on-run-end hook (macros/serving.sql) calls `begin` for a fresh folder, writes each served
mart into it with DuckDB's COPY (the warehouse connection is the build's own), then calls
`publish`, which records the build, switches `current` to it, writes the serving file beside
the old one and renames it into place, and removes builds older than the previous one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from shopper_propensity.serving import SERVING_FILE
from shopper_propensity.sql_literals import sql_identifier, sql_literal

BUILDS = "builds"
CURRENT = "current"
MANIFEST = "manifest.json"
INCOMPLETE = ".incomplete-"
# The serving file is written in the storage format of DuckDB 1.0, so the DuckDB inside a BI
# tool's driver (often older than ours) can open it.
SERVING_STORAGE_VERSION = "v1.0.0"
# A view of the serving file: the build the views show, for a dashboard's "as of".
BUILD_VIEW = "served_build"
BUILD_VIEW_COLUMNS = {
    "build_id": ("varchar", "The build's folder under exports/builds/: UTC start time and invocation."),
    "invocation_id": ("varchar", "dbt's invocation id of the build (as in the warehouse's warehouse_builds)."),
    "command": ("varchar", "The dbt command: build or run."),
    "selection": ("varchar", "The build's --select, NULL for the whole project."),
    "started_at": ("timestamptz", "When the build started."),
    "published_at": ("timestamptz", "When the exports were switched to it."),
    "marts": ("bigint", "Marts published."),
}


def incomplete_folder(exports_dir: str | Path, build_id: str) -> Path:
    return Path(exports_dir).absolute() / BUILDS / f"{INCOMPLETE}{build_id}"


def begin(exports_dir: str, build_id: str) -> str:
    """A fresh, empty folder for the build's Parquet files (its absolute path). Folders that
    killed builds left behind are removed."""
    builds = Path(exports_dir).absolute() / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    for stale in builds.glob(f"{INCOMPLETE}*"):
        shutil.rmtree(stale)
    folder = incomplete_folder(exports_dir, build_id)
    folder.mkdir()
    return str(folder)


def publish(exports_dir: str, build_id: str, build_json: str) -> str:
    """Switch readers to the build whose Parquet files `begin`'s folder holds.

    build_json: the build (invocation_id, command, selection, started_at) and its served marts,
    each with its description and its columns' descriptions. Returns a one-line summary.
    """
    exports = Path(exports_dir).absolute()
    build = json.loads(build_json)
    staged = incomplete_folder(exports, build_id)
    manifest = {
        "build_id": build_id,
        **{key: build[key] for key in ("invocation_id", "command", "selection", "started_at")},
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "marts": [_described_file(staged, mart) for mart in build["marts"]],
    }
    (staged / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    folder = staged.with_name(build_id)
    staged.rename(folder)

    previous = _switch_current(exports, folder)
    _write_serving_file(exports, build["marts"], build_id)
    for old in (exports / BUILDS).iterdir():
        if old.name not in (folder.name, previous) and not old.name.startswith(INCOMPLETE):
            shutil.rmtree(old)
    rows = sum(mart["rows"] for mart in manifest["marts"])
    return (f"published {len(manifest['marts'])} marts ({rows:,} rows) to {exports / CURRENT} -> "
            f"{BUILDS}/{build_id}; BI tools open {exports / SERVING_FILE} read-only")


def _described_file(folder: Path, mart: dict) -> dict:
    """A mart's entry in the manifest: its file, rows, digest and Parquet columns."""
    path = folder / f"{mart['name']}.parquet"
    schema = pq.read_schema(path)
    return {
        "name": mart["name"],
        "file": path.name,
        "rows": pq.read_metadata(path).num_rows,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "columns": [{"name": field.name, "type": str(field.type)} for field in schema],
    }


def _switch_current(exports: Path, folder: Path) -> str | None:
    """Point `current` at the folder in one rename; the name of the build it pointed at before."""
    current = exports / CURRENT
    previous = Path(os.readlink(current)).name if current.is_symlink() else None
    link = exports / f".{CURRENT}-{folder.name}"
    link.unlink(missing_ok=True)
    link.symlink_to(Path(BUILDS) / folder.name, target_is_directory=True)
    link.replace(current)
    return previous


def _write_serving_file(exports: Path, marts: list[dict], build_id: str) -> None:
    """serving.duckdb: a view per mart over current/<mart>.parquet (absolute paths: DuckDB reads
    a relative path from the reader's working directory), the YAML descriptions as comments,
    and served_build. Written beside and renamed over the old file, which a reader may hold."""
    scratch = exports / f".serving-{build_id}.duckdb"
    scratch.unlink(missing_ok=True)
    with duckdb.connect() as connection:
        connection.execute(f"attach {sql_literal(str(scratch))} as serving (storage_version "
                           f"{sql_literal(SERVING_STORAGE_VERSION)})")
        for mart in marts:
            view = f"serving.main.{sql_identifier(mart['name'])}"
            parquet = exports / CURRENT / f"{mart['name']}.parquet"
            connection.execute(f"create view {view} as select * from read_parquet({sql_literal(str(parquet))})")
            connection.execute(f"comment on view {view} is {sql_literal(mart['description'])}")
            for column in mart["columns"]:
                connection.execute(f"comment on column {view}.{sql_identifier(column['name'])} "
                                   f"is {sql_literal(column['description'])}")
        _create_build_view(connection, f"serving.main.{BUILD_VIEW}", exports / CURRENT / MANIFEST)
        connection.execute("detach serving")
    scratch.replace(exports / SERVING_FILE)


def _create_build_view(connection: duckdb.DuckDBPyConnection, view: str, manifest: Path) -> None:
    columns = ", ".join(
        f"cast({'len(marts)' if name == 'marts' else name} as {data_type}) as {name}"
        for name, (data_type, _) in BUILD_VIEW_COLUMNS.items()
    )
    connection.execute(f"create view {view} as select {columns} from read_json({sql_literal(str(manifest))})")
    connection.execute(f"comment on view {view} is "
                       f"{sql_literal('The build the views show: its id, dbt command, selection and times.')}")
    for name, (_, description) in BUILD_VIEW_COLUMNS.items():
        connection.execute(f"comment on column {view}.{name} is {sql_literal(description)}")
