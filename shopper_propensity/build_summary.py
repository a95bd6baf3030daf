"""Print a short summary of what `dbt build` produced: row accounting, tables, domains.

Run after the build (`make build` does): ``python -m shopper_propensity.build_summary``.
"""

from __future__ import annotations

import os
import sys

import duckdb

ACCOUNTING_SQL = """
    select source_table, rows_in, rows_kept, rows_duplicate, rows_invalid
    from panel_row_accounting
    order by source_table
"""

TABLES_SQL = """
    select table_name, estimated_size
    from duckdb_tables()
    where schema_name = 'main'
    order by table_name
"""

DOMAINS_SQL = """
    select
        domain_name,
        users,
        sessions,
        pseudo_sessions,
        round(100 * conversion_rate, 1) as conversion_pct,
        orders,
        round(avg_order_value_usd, 2) as aov_usd
    from domain_summary
    order by sessions desc
"""


def format_rows(header: list[str], rows: list[tuple]) -> str:
    """Left-aligned plain-text table, readable in a terminal or a CI log."""
    cells = [header] + [[("" if v is None else f"{v:,}" if isinstance(v, int) else str(v)) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(value.ljust(width) for value, width in zip(row, widths)) for row in cells)


def summarize(connection: duckdb.DuckDBPyConnection) -> str:
    """The summary text for a built warehouse."""
    sections = []
    for title, sql in (
        ("Panel rows (in = kept + duplicates + invalid)", ACCOUNTING_SQL),
        ("Tables built (estimated rows)", TABLES_SQL),
        ("Domains", DOMAINS_SQL),
    ):
        result = connection.sql(sql)
        sections.append(f"{title}\n{format_rows(result.columns, result.fetchall())}")
    return "\n\n".join(sections)


def main() -> int:
    path = os.environ.get("SHOPPER_DUCKDB_PATH", "shopper_propensity.duckdb")
    with duckdb.connect(path, read_only=True) as connection:
        print(summarize(connection))
    return 0


if __name__ == "__main__":
    sys.exit(main())
