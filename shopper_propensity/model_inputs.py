"""Checks the dbt Python models run on their inputs before any library sees them.

An empty upstream table otherwise surfaces three stages later as a library's own words
("Found array with 0 sample(s)", "check train_end"); this names the table instead. The one
empty input that is no error: the sessions of a panel declared orders-only (var
panel_has_sessions false), where the session-level stages return their table with no rows.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


class EmptyInputError(ValueError):
    """An upstream table a stage needs has no rows."""


def require_rows(table, table_name: str) -> None:
    """Raise EmptyInputError naming table_name when table (a DuckDB relation or a pandas
    frame) has no rows."""
    if isinstance(table, pd.DataFrame):
        empty = table.empty
    else:
        empty = not table.limit(1).fetchall()
    if empty:
        raise EmptyInputError(
            f"upstream table {table_name} has no rows, so there is nothing to fit or score. "
            "If the panel had rows, panel_row_accounting and panel_rejects show where they went."
        )


def orders_only_table(schema: pa.Schema) -> pa.Table:
    """The table of a session-level stage on an orders-only panel: no rows, the stage's column
    types (so the models and tests after it build, empty). base_comscore__sessions logs why."""
    return schema.empty_table()
