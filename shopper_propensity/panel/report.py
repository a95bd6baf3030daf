"""Calibration report: the reference marginals (document 000, SPEC.md) computed with DuckDB SQL on
panel files, beside their reference values."""

from __future__ import annotations

import os

from shopper_propensity.panel.calibration import DOMAINS, REFERRER_SEED
from shopper_propensity.panel.writers import connect, panel_source_sql
from shopper_propensity.sql_literals import sql_literal

PAGES_BUCKETS = ("1", "2-3", "4-5", "6-10", "11-20", "21-50", "51+")

# Document 000 / SPEC.md.  Strings are qualitative targets.
REFERENCE: dict[str, float | str | None] = {
    "conversion.amazon_2023": 0.103,
    "conversion.other_domains": 0.10,
    **{f"conversion_by_pages.{b}": {"2-3": 0.075, "51+": 0.32}.get(b, "increasing") for b in PAGES_BUCKETS},
    "conversion_by_referrer.marketplace": 0.19,
    "conversion_by_referrer.direct": 0.14,
    "conversion_by_referrer.search": 0.08,
    "conversion_by_referrer.social": 0.08,
    "conversion_by_referrer.other": "< direct",
    "conversion.peak_hour": "14-18",
    "conversion.hours_14_18": "peak",
    "conversion.hours_03_08": "dip",
    "conversion.weekend": "> weekday",
    "conversion.weekday": None,
    **{f"aov.{d.name}": d.aov for d in DOMAINS},
    "share.amazon_users": 85 / 150,
    "share.amazon_session_rows": 0.70,
    "share.tx_rows_site_session_zero": 0.5996,
    "ratio.tx_rows_per_session_row": 2.3 / 13.8,
}

_PSEUDO_SESSIONS_SQL = """
CREATE TEMP TABLE pseudo AS
WITH visits AS (
    SELECT machine_id, event_date, domain_name, pages_viewed,
           coalesce(ref_domain__name, '') AS referrer,
           split_part(event_time, ':', 1)::INTEGER * 3600
             + split_part(event_time, ':', 2)::INTEGER * 60
             + split_part(event_time, ':', 3)::INTEGER AS second_of_day
    FROM sessions
),
days AS (
    SELECT machine_id, event_date, domain_name,
           sum(pages_viewed) AS pages,
           arg_min(referrer, second_of_day) AS first_referrer,
           min(second_of_day) AS first_second
    FROM visits
    GROUP BY machine_id, event_date, domain_name
),
bought AS (SELECT DISTINCT machine_id, event_date, domain_name FROM transactions)
SELECT d.domain_name, year(d.event_date) AS year, d.first_second // 3600 AS hour,
       isodow(d.event_date) >= 6 AS weekend,
       CASE WHEN d.first_referrer = '' THEN 'direct' ELSE coalesce(r.referrer_bucket, 'other') END AS referrer_bucket,
       CASE WHEN d.pages <= 1 THEN '1' WHEN d.pages <= 3 THEN '2-3' WHEN d.pages <= 5 THEN '4-5'
            WHEN d.pages <= 10 THEN '6-10' WHEN d.pages <= 20 THEN '11-20' WHEN d.pages <= 50 THEN '21-50'
            ELSE '51+' END AS pages_bucket,
       (b.machine_id IS NOT NULL)::DOUBLE AS converted
FROM days d
LEFT JOIN referrers r ON r.referrer_domain = d.first_referrer
LEFT JOIN bought b
       ON b.machine_id = d.machine_id AND b.event_date = d.event_date AND b.domain_name = d.domain_name
"""

_ON_AMAZON = "FROM pseudo WHERE domain_name = 'amazon.com'"
_SCALAR_QUERIES = {
    "conversion.amazon_2023": f"SELECT avg(converted) {_ON_AMAZON} AND year = 2023",
    "conversion.other_domains": "SELECT avg(converted) FROM pseudo WHERE domain_name <> 'amazon.com'",
    "conversion.hours_14_18": f"SELECT avg(converted) {_ON_AMAZON} AND hour BETWEEN 14 AND 18",
    "conversion.hours_03_08": f"SELECT avg(converted) {_ON_AMAZON} AND hour BETWEEN 3 AND 8",
    "conversion.peak_hour": f"SELECT arg_max(hour, rate) FROM (SELECT hour, avg(converted) AS rate {_ON_AMAZON} "
                            "GROUP BY 1)",
    "conversion.weekend": f"SELECT avg(converted) {_ON_AMAZON} AND weekend",
    "conversion.weekday": f"SELECT avg(converted) {_ON_AMAZON} AND NOT weekend",
    "share.amazon_users": """SELECT count(DISTINCT machine_id) FILTER (WHERE domain_name = 'amazon.com')
                             / count(DISTINCT machine_id) FROM sessions""",
    "share.amazon_session_rows": "SELECT avg((domain_name = 'amazon.com')::DOUBLE) FROM sessions",
    "share.tx_rows_site_session_zero": "SELECT avg((site_session_id = 0)::DOUBLE) FROM transactions",
    "ratio.tx_rows_per_session_row": "SELECT (SELECT count(*) FROM transactions) / (SELECT count(*) FROM sessions)",
}
# (label, value) rows, reported as "<key>.<label>".
_GROUPED_QUERIES = {
    "conversion_by_pages": f"SELECT pages_bucket, avg(converted) {_ON_AMAZON} GROUP BY 1",
    "conversion_by_referrer": f"SELECT referrer_bucket, avg(converted) {_ON_AMAZON} GROUP BY 1",
    "aov": """SELECT domain_name, avg(basket_tot) FROM (
                  SELECT DISTINCT machine_id, domain_name, event_date, event_time, basket_tot FROM transactions
              ) GROUP BY 1""",
}


def calibration_marginals(panel_dir: str | os.PathLike) -> dict[str, float]:
    """The reference marginals computed with DuckDB SQL on panel files (CSV or Parquet).

    Pseudo-session = (machine_id, event_date, domain_name); its pages are the day's sum, its
    referrer bucket and hour those of the day's first visit by event_time; it converted when a
    transaction shares its key.  Pages, referrer, hour and weekday rates are on amazon.com.
    """
    con = connect()
    for name in ("sessions", "transactions"):
        con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM {panel_source_sql(panel_dir, name)}")
    seed = sql_literal(str(REFERRER_SEED))
    con.execute(f"CREATE TEMP VIEW referrers AS SELECT * FROM read_csv({seed}, header = true)")
    con.execute(_PSEUDO_SESSIONS_SQL)
    out = {key: _as_float(con.execute(sql).fetchone()[0]) for key, sql in _SCALAR_QUERIES.items()}
    for prefix, sql in _GROUPED_QUERIES.items():
        out.update({f"{prefix}.{label}": _as_float(value) for label, value in con.execute(sql).fetchall()})
    return out


def _as_float(value) -> float:
    """SQL value as float; NULL (e.g. no other-domain rows in a tiny panel) becomes NaN."""
    return float("nan") if value is None else float(value)


def format_report(generated: dict[str, float]) -> str:
    """Generated marginals next to the reference, one per line, in REFERENCE order."""
    def show(value) -> str:
        if value is None:
            return "-"
        if isinstance(value, str):
            return value
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.4f}"

    lines = [f"{'marginal':<40}{'generated':>12}{'reference':>12}"]
    for key in list(REFERENCE) + sorted(set(generated) - set(REFERENCE)):
        lines.append(f"{key:<40}{show(generated.get(key)):>12}{show(REFERENCE.get(key)):>12}")
    return "\n".join(lines)
