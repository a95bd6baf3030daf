"""Print a short summary of what `dbt build` produced: row accounting, tables, domains, the
champion propensity model with its test metrics beside every candidate, the model-health
checks that fired, the repeat-purchase champion beside BG/NBD + Gamma-Gamma, and the
monitoring: the champion's last test week per domain and the alerts that fired.

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

# The last test-period week of each domain, and the alerts of all judged weeks.
LAST_WEEK_SQL = """
    select
        domain_name,
        week_start,
        sessions,
        positives,
        round(roc_auc, 4) as roc_auc,
        round(pr_auc, 4) as pr_auc,
        round(top_decile_lift, 2) as top_decile_lift,
        round(score_psi, 3) as score_psi,
        case when is_judged then 'yes' else 'no (too few sessions)' end as judged
    from score_monitoring
    where period = 'test'
    qualify week_start = max(week_start) over (partition by domain_name)
    order by domain_name
"""

MONITORING_ALERTS_SQL = """
    select
        'drift' as alert,
        feature_name as subject,
        count(*) as weeks,
        round(max(psi), 3) as worst
    from feature_drift
    where is_drifted
    group by feature_name
    union all
    select
        'ROC AUC drop',
        domain_name,
        count(*),
        round(max(roc_auc_drop), 3)
    from score_monitoring
    where is_auc_dropped
    group by domain_name
    order by alert, weeks desc, subject
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
    sections.append(monitoring_summary(connection))
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


def monitoring_summary(connection: duckdb.DuckDBPyConnection) -> str:
    """The champion's last test week per domain, and the monitoring alerts (feature_drift,
    score_monitoring) of the judged weeks, counted per feature or domain."""
    last_week = connection.sql(LAST_WEEK_SQL)
    rows = last_week.fetchall()
    if not rows:
        return "Monitoring: no scored test weeks"
    alerts = connection.sql(MONITORING_ALERTS_SQL)
    fired = alerts.fetchall()
    return ("Monitoring: the champion's last test week per domain\n"
            f"{format_rows(last_week.columns, rows)}\n\n"
            f"Monitoring alerts on judged test weeks: {len(fired)} feature(s) or domain(s)"
            + (f"\n{format_rows(alerts.columns, fired)}" if fired else ", none"))


def main() -> int:
    path = os.environ.get("SHOPPER_DUCKDB_PATH", "shopper_propensity.duckdb")
    with warehouse.connect(path) as connection:
        print(summarize(connection))
    return 0


if __name__ == "__main__":
    sys.exit(main())
