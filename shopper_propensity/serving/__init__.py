"""Lock-free serving: the marts as Parquet files and a small serving DuckDB file for BI tools.

DuckDB lets one process write a database file, and a reader holding it makes `dbt build` fail
(and waits for it). So BI tools never open the warehouse: at the end of every successful
`dbt build` / `dbt run` (the on-run-end hook `publish_served_marts`, macros/serving.sql) each
served mart is written to Parquet in a new build folder, which is then switched in whole:

    <exports>/                       var exports_dir / env SHOPPER_EXPORTS_DIR, default exports/
      serving.duckdb                 views over current/*.parquet, with the YAML descriptions
      current -> builds/<build_id>   the last complete build (a relative symbolic link)
      builds/<build_id>/<mart>.parquet, manifest.json
      builds/<build_id>/<mart>/<YYYY-MM>.parquet   a mart served by month (meta served_parts_by_month)

Nothing a reader holds is ever written in place: a build writes beside (a folder named
`.incomplete-<build_id>`, a `.serving-<build_id>.duckdb` file) and renames into place, and the
previous build's folder is kept until the next one, so a query that began on it finishes.
A reader holding serving.duckdb sees the new build with its next query (the views read
current/), and a build whose models or tests fail publishes nothing: the exports stay at the
last complete build. Each file is read whole, from one build; a query reading several files in
the instant of the switch - several marts, or the months of a mart served by month - may read
them from different builds (DuckDB opens each file as it reaches it): a dashboard checks
served_build before and after a refresh when it needs one build. A file whose rows did not
change since the current build is a hard link to that build's file, so a daily build writes
only what the day changed (`publish.stage`).

Modules: ``publish`` (the two steps the hook calls), ``dbt_plugin`` (the dbt-duckdb plugin that
makes them SQL functions of the build's connection).
"""

from __future__ import annotations

import os
from pathlib import Path

SERVING_FILE = "serving.duckdb"


def exports_dir() -> Path:
    """The exports folder as the build sees it when var exports_dir is not set: env
    SHOPPER_EXPORTS_DIR, else exports/ (relative to the project)."""
    return Path(os.environ.get("SHOPPER_EXPORTS_DIR") or "exports")


def serving_file() -> Path:
    """The file BI tools open read-only."""
    return exports_dir() / SERVING_FILE
