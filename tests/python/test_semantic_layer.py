"""The semantic layer (issue 16): `mf query` gives the numbers the marts hold at the marts' grain.

MetricFlow runs as a user would, from the project folder, on the profile target `serving` (the
served marts, read-only: it never takes the warehouse's lock), against what `make build` built
and published for the default panel.
"""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from conftest import REPO_ROOT
from shopper_propensity.serving import serving_file

MF = os.path.join(os.path.dirname(sys.executable), "mf")
SERVING = serving_file() if serving_file().is_absolute() else REPO_ROOT / serving_file()


@pytest.fixture(scope="module", autouse=True)
def default_build():
    for needed in (SERVING, REPO_ROOT / "target" / "semantic_manifest.json"):
        if not needed.exists():
            pytest.fail(f"{needed}: no served build of the default panel; `make test` builds it first")


def mf_query(tmp_path, metrics: list[str], group_by: list[str]) -> pd.DataFrame:
    out = tmp_path / "query.csv"
    result = subprocess.run(
        [MF, "query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by), "--csv", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True,
        env={**os.environ, "DBT_PROFILES_DIR": str(REPO_ROOT), "DBT_TARGET": "serving"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return pd.read_csv(out, keep_default_na=False)


def served(sql: str) -> pd.DataFrame:
    with duckdb.connect(str(SERVING), read_only=True) as connection:
        return connection.sql(sql).df()


def test_conversion_rate_equals_conversion_rates_by_dimension(tmp_path):
    queried = mf_query(tmp_path, ["conversion_rate", "conversions", "pseudo_sessions"],
                       ["pseudo_session__domain_name", "pseudo_session__pages_viewed_bucket"])
    mart = served("""
        select domain_name, bucket, conversion_rate, conversions, pseudo_sessions
        from conversion_rates_by_dimension
        where dimension_name = 'pages_viewed'
    """)
    queried = queried.rename(columns={"pseudo_session__domain_name": "domain_name",
                                      "pseudo_session__pages_viewed_bucket": "bucket"})
    joined = mart.merge(queried, on=["domain_name", "bucket"], how="outer", suffixes=("_mart", "_mf"),
                        indicator=True)
    assert (joined["_merge"] == "both").all(), joined[joined["_merge"] != "both"]
    assert len(joined) >= 30  # 5 domains x 7 page buckets on the default panel
    assert (joined["conversions_mart"] == joined["conversions_mf"]).all()
    assert (joined["pseudo_sessions_mart"] == joined["pseudo_sessions_mf"]).all()
    assert joined["conversion_rate_mf"].tolist() == pytest.approx(joined["conversion_rate_mart"].tolist(), rel=1e-12)


def test_orders_revenue_aov_and_targeting_metrics_equal_the_marts_per_domain(tmp_path):
    queried = mf_query(tmp_path, ["sessions", "orders", "revenue", "average_order_value", "targeted_sessions",
                                  "targeted_conversions", "lift", "roi"], ["domain"]).set_index("domain")
    mart = served("""
        select
            summary.domain_name,
            summary.sessions,
            summary.orders,
            summary.revenue_usd,
            summary.avg_order_value_usd,
            roi.sessions_targeted,
            roi.conversions_targeted,
            roi.lift,
            roi.roi
        from domain_summary as summary
        inner join targeting_roi as roi
            on roi.domain_group = summary.domain_name
    """).set_index("domain_name")
    assert sorted(queried.index) == sorted(mart.index) and len(mart) == 5
    for metric, column in (("sessions", "sessions"), ("orders", "orders"), ("targeted_sessions", "sessions_targeted"),
                           ("targeted_conversions", "conversions_targeted")):
        assert queried[metric].to_dict() == mart[column].to_dict(), metric
    for metric, column in (("revenue", "revenue_usd"), ("average_order_value", "avg_order_value_usd"),
                           ("lift", "lift"), ("roi", "roi")):
        for domain in mart.index:
            assert queried.loc[domain, metric] == pytest.approx(float(mart.loc[domain, column]), rel=1e-9), metric
