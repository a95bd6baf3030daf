"""The one way a Python model puts a value into a SQL string: as a literal, never as SQL text.

The same rule as the dbt macro `sql_literal` (macros/quoting.sql): text is quoted with its
single quotes doubled, numbers are written bare only when they are finite numbers, dates as
ISO text, None as null. Used for DuckDB relation filters such as
``relation.filter(f"domain_name = {sql_literal(domain)}")``.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from numbers import Integral, Real


def sql_literal(value) -> str:
    """A SQL literal for value that no value can break out of."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        if not math.isfinite(value):
            raise ValueError(f"a non-finite number cannot be a SQL literal: {value!r}")
        return repr(float(value))
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    return "'" + str(value).replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier (a table or column name), its double quotes doubled."""
    return '"' + str(name).replace('"', '""') + '"'
