"""Print a short summary of what `dbt build` produced: row accounting, tables, domains, the
champion propensity model with its test metrics beside every candidate, the model-health
checks that fired, and the repeat-purchase champion beside BG/NBD + Gamma-Gamma.

Run after the build (`make build` does): ``python -m shopper_propensity.build_summary``.
"""

from __future__ import annotations

import os
import sys

import duckdb

from shopper_propensity import warehouse

ACCOUNTING_SQL = """
    select source_table, rows_in, rows_kept, rows_duplicate, rows_invalid
    from panel_row_accounting
    order by source_table
"""

TABLES_SQL = """
    select schema_name, table_name, estimated_size
    from duckdb_tables()
    where database_name = current_database()
    order by schema_name = 'main' desc, schema_name, table_name
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


CANDIDATES_SQL = """
    select
        registry.model_name || case when registry.is_champion then ' (champion)' else '' end as model,
        round(registry.validation_pr_auc, 4) as validation_pr_auc,
        round(metrics.roc_auc, 4) as test_roc_auc,
        round(metrics.pr_auc, 4) as test_pr_auc,
        round(metrics.precision, 3) as test_precision,
        round(metrics.recall, 3) as test_recall,
        round(metrics.f1, 3) as test_f1,
        round(metrics.threshold, 4) as threshold
    from propensity_model_registry as registry
    inner join propensity_model_metrics as metrics
        on metrics.model_name = registry.model_name
        and metrics.domain_name = registry.primary_domain
    where metrics.split = 'test'
        and metrics.threshold_kind = 'tuned'
    order by registry.complexity_rank
"""

CHAMPION_SQL = """
    select
        model_name,
        primary_domain,
        selection_reason
    from propensity_model_registry
    where is_champion
"""

REPEAT_SQL = """
    select
        domain_group,
        model_name || case when is_champion then ' (champion)' else '' end as model,
        customers,
        round(base_rate, 4) as buy_rate,
        round(mean_purchase_probability, 4) as mean_probability,
        round(roc_auc, 4) as roc_auc,
        round(pr_auc, 4) as pr_auc,
        round(brier, 4) as brier,
        round(spend_rmse_usd, 2) as spend_rmse_usd,
        round(spend_mae_usd, 2) as spend_mae_usd
    from repeat_model_metrics
    where cutoff_role = 'scored'
        and (is_champion or model_kind = 'probabilistic')
    order by domain_group = 'all non-primary domains', domain_group, model_kind
"""

FIRED_CHECKS_SQL = """
    select message
    from model_health
    where is_fired
    order by check_name, subject
"""


def format_rows(header: list[str], rows: list[tuple]) -> str:
    """Left-aligned plain-text table, readable in a terminal or a CI log."""
    cells = [header] + [[("" if v is None else f"{v:,}" if isinstance(v, int) else str(v)) for v in row]
                        for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)) for row in cells)


def summarize(connection: duckdb.DuckDBPyConnection) -> str:
    """The summary text for a built warehouse."""
    sections = []
    for title, sql in (
        ("Panel rows (in = kept + duplicates + invalid)", ACCOUNTING_SQL),
        ("Tables built by schema: the marts in main (estimated rows)", TABLES_SQL),
        ("Domains", DOMAINS_SQL),
    ):
        result = connection.sql(sql)
        sections.append(f"{title}\n{format_rows(result.columns, result.fetchall())}")
    sections.append(propensity_summary(connection))
    sections.append(repeat_summary(connection))
    return "\n\n".join(sections)


def propensity_summary(connection: duckdb.DuckDBPyConnection) -> str:
    """The champion and why, every candidate's validation and test metrics on the primary
    domain (the reference XGBoost among them), and each model-health check that fired."""
    champions = connection.sql(CHAMPION_SQL).fetchall()
    if not champions:  # an orders-only panel: the session-level models are empty
        return "Propensity: no session models (an orders-only panel)"
    [(champion, domain, reason)] = champions
    candidates = connection.sql(CANDIDATES_SQL)
    fired = [message for (message,) in connection.sql(FIRED_CHECKS_SQL).fetchall()]
    health = "\n".join(f"  {message}" for message in fired) if fired else "  every check quiet"
    return (f"Propensity champion: {champion} ({reason})\n"
            f"Candidates on {domain} (test period, tuned threshold)\n"
            f"{format_rows(candidates.columns, candidates.fetchall())}\n\n"
            f"Model health: {len(fired)} check(s) fired\n{health}")


def repeat_summary(connection: duckdb.DuckDBPyConnection) -> str:
    """The repeat-purchase champion beside BG/NBD + Gamma-Gamma on the scored cutoff."""
    result = connection.sql(REPEAT_SQL)
    rows = result.fetchall()
    if not rows:
        return "Repeat purchase: the scored cutoff's horizon is not in the data yet (no outcomes to judge)"
    return ("Repeat purchase on the scored cutoff: champion beside BG/NBD + Gamma-Gamma\n"
            f"{format_rows(result.columns, rows)}")


def main() -> int:
    path = os.environ.get("SHOPPER_DUCKDB_PATH", "shopper_propensity.duckdb")
    with warehouse.connect(path) as connection:
        print(summarize(connection))
    return 0


if __name__ == "__main__":
    sys.exit(main())
