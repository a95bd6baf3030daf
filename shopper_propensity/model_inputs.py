"""Checks the dbt Python models run on their inputs before any library sees them.

An empty upstream table otherwise surfaces three stages later as a library's own words
("Found array with 0 sample(s)", "check train_end"); this names the table instead.
"""

from __future__ import annotations

import pandas as pd


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
