"""Tests of the synthetic Comscore panel generator: determinism, file contract, planted quirks,
calibration against the reference marginals, and the latent structure the models must find."""

from __future__ import annotations

from itertools import pairwise

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score, roc_auc_score
from sklearn.model_selection import cross_val_predict
from sklearn.preprocessing import StandardScaler

from shopper_propensity import panel
from shopper_propensity.panel import calibration, report, simulate
from shopper_propensity.panel import lapses as lapses_module

SMALL_SESSIONS = 20_000
CALIBRATION_SESSIONS = 400_000
PANEL_TABLES = ("sessions", "transactions", "campaign_exposures")
TRUTH_TABLES = ("truth/user_types", "truth/campaign_intent", "truth/repeat_behaviour")
ARROW_TYPES = {"BIGINT": "int64", "UBIGINT": "uint64", "INTEGER": "int32", "DOUBLE": "double",
               "VARCHAR": "string", "DATE": "date32[day]"}
TIME_PATTERN = r"^([0-9]|1[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"


def _connect(panel_dir) -> duckdb.DuckDBPyConnection:
    """DuckDB with one view per panel/truth table (truth/x is exposed as truth_x)."""
    con = duckdb.connect()
    for name in PANEL_TABLES + TRUTH_TABLES:
        con.execute(f"CREATE VIEW {name.replace('/', '_')} AS SELECT * FROM {panel.panel_source_sql(panel_dir, name)}")
    return con


def _scalar(con, sql):
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def small_tables():
    return panel.generate_panel(SMALL_SESSIONS, seed=3)


@pytest.fixture(scope="module", params=panel.FORMATS)
def small_panel(request, tmp_path_factory, small_tables):
    out = tmp_path_factory.mktemp(f"small_{request.param}")
    panel.write_panel(small_tables, out, request.param)
    return request.param, out


@pytest.fixture(scope="module")
def small_con(small_panel):
    return _connect(small_panel[1])


@pytest.fixture(scope="module")
def calibration_panel(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration")
    panel.write_panel(panel.generate_panel(CALIBRATION_SESSIONS, seed=7), out, "parquet")
    return out


@pytest.fixture(scope="module")
def marginals(calibration_panel):
    return panel.calibration_marginals(calibration_panel)


# ------------------------------------------------------------------------------------------
# Determinism
# ------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_tables(small_tables):
    again = panel.generate_panel(SMALL_SESSIONS, seed=3)
    assert again.keys() == small_tables.keys()
    for name, table in small_tables.items():
        assert table.equals(again[name]), name


def test_same_seed_gives_identical_csv_files(tmp_path, small_tables):
    for run in ("a", "b"):
        panel.write_panel(panel.generate_panel(SMALL_SESSIONS, seed=3), tmp_path / run, "csv")
    for name in PANEL_TABLES + TRUTH_TABLES:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (tmp_path / "b" / f"{name}.csv").read_bytes()


def test_different_seed_gives_different_tables(small_tables):
    other = panel.generate_panel(SMALL_SESSIONS, seed=4)
    for name in PANEL_TABLES:
        assert not other[name].equals(small_tables[name]), name


# ------------------------------------------------------------------------------------------
# File contract
# ------------------------------------------------------------------------------------------


def test_columns_and_types_follow_the_contract(small_panel, small_tables):
    fmt, out = small_panel
    for name, schema in panel.SCHEMAS.items():
        path = out / f"{name}.{fmt}"
        expected_names = [col for col, _ in schema]
        if fmt == "parquet":
            arrow_schema = pq.read_schema(path)
            assert arrow_schema.names == expected_names, name
            assert [str(t) for t in arrow_schema.types] == [ARROW_TYPES[typ] for _, typ in schema], name
        else:
            assert path.read_text().split("\n", 1)[0] == ",".join(expected_names), name
        # Reading with the contract's types fails loudly on any value that does not fit them.
        rows = _scalar(duckdb.connect(), f"SELECT count(*) FROM {panel.panel_source_sql(out, name)}")
        assert rows == small_tables[name].num_rows, name


def test_session_codes_are_in_range(small_con):
    allowed = {
        "hoh_most_education": "(1, 2, 3, 4, 5, 99, -88)",
        "census_region": "(1, 2, 3, 4, 99)",
        "household_size": "(1, 2, 3, 4, 5, 6, 99, -88)",
        "hoh_oldest_age": "(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 99)",
        "household_income": "(11, 12, 13, 14, 15, 16, 17, 18, 99)",
        "children": "(0, 1)",
        "racial_background": "(1, 2, 3, 5)",
        "hispanic": "(0, 1)",
        "domain_name": "('amazon.com', 'ebay.com', 'walmart.com', 'etsy.com', 'target.com')",
    }
    for col, values in allowed.items():
        outside = f"SELECT count(*) FROM sessions WHERE {col} IS NULL OR {col} NOT IN {values}"
        assert _scalar(small_con, outside) == 0, col
    assert _scalar(small_con, "SELECT count(*) FROM sessions WHERE pages_viewed < 1 OR duration < 0") == 0
    assert _scalar(small_con, "SELECT max(site_session_id) FROM sessions") <= 78 * 10 ** 17
    for col in ("connection_speed", "zip_code"):  # nullable, at a realistic rate
        assert 0.02 < _scalar(small_con, f"SELECT avg(({col} IS NULL)::INT) FROM sessions") < 0.4, col


def test_unknown_education_is_common(calibration_panel):
    share = _scalar(_connect(calibration_panel), """SELECT avg((hoh_most_education IN (99, -88))::INT)
                                  FROM (SELECT DISTINCT machine_id, hoh_most_education FROM sessions)""")
    assert 0.25 <= share <= 0.35


def test_demographics_are_constant_per_machine(small_con):
    demographics = ", ".join(col for col, _ in panel.SCHEMAS["sessions"][9:19])
    assert _scalar(small_con, f"""SELECT count(*) FROM (SELECT machine_id FROM
                                  (SELECT DISTINCT machine_id, {demographics} FROM sessions)
                                  GROUP BY machine_id HAVING count(*) > 1)""") == 0


def test_times_and_dates(small_con):
    for table, date_col, time_col in (("sessions", "event_date", "event_time"),
                                      ("transactions", "event_date", "event_time"),
                                      ("campaign_exposures", "exposed_date", None)):
        assert _scalar(small_con, f"""SELECT count(*) FROM {table}
                                      WHERE {date_col} NOT BETWEEN DATE '2020-01-01' AND DATE '2023-12-31'""") == 0
        if time_col:
            assert _scalar(small_con, f"""SELECT count(*) FROM {table}
                                          WHERE NOT regexp_matches({time_col}, '{TIME_PATTERN}')""") == 0
    assert _scalar(small_con, "SELECT count(*) FROM sessions WHERE event_time LIKE '0_:%'") == 0  # no leading zero


def test_domain_ids_are_fixed_and_beyond_signed_64_bit(small_con):
    pairs = small_con.execute("SELECT DISTINCT domain_name, domain_id FROM sessions "
                              "UNION SELECT DISTINCT domain_name, domain_id FROM transactions").fetchall()
    assert dict(pairs) == {d.name: d.domain_id for d in calibration.DOMAINS}
    assert len(pairs) == len(calibration.DOMAINS)
    assert sum(domain_id > 2 ** 63 for _, domain_id in pairs) >= 2
    assert max(domain_id for _, domain_id in pairs) < 1.07e19


def test_referrers_are_direct_or_known_domains(small_con):
    vocab = set(calibration.referrer_vocabulary()[0])
    seen = {r for (r,) in small_con.execute("SELECT DISTINCT ref_domain__name FROM sessions").fetchall()}
    assert None in seen and "" in seen  # both spellings of direct
    assert seen - {None} <= vocab


# ------------------------------------------------------------------------------------------
# Planted quirks and consistency between tables
# ------------------------------------------------------------------------------------------


def test_item_rows_of_a_basket_share_its_total(small_con):
    bad = _scalar(small_con, """
        SELECT count(*) FROM (
            SELECT count(DISTINCT basket_tot) AS totals, abs(any_value(basket_tot) - sum(prod_totprice)) AS diff
            FROM (SELECT DISTINCT * FROM transactions)
            GROUP BY machine_id, domain_name, event_date, event_time)
        WHERE totals > 1 OR diff > 0.005""")
    assert bad == 0


def test_most_transaction_rows_have_no_site_session(small_con):
    assert 0.55 <= _scalar(small_con, "SELECT avg((site_session_id = 0)::INT) FROM transactions") <= 0.65
    unmatched = _scalar(small_con, """
        SELECT count(*) FROM transactions t WHERE site_session_id <> 0 AND NOT EXISTS (
            SELECT 1 FROM sessions s WHERE s.site_session_id = t.site_session_id AND s.machine_id = t.machine_id
              AND s.event_date = t.event_date AND s.domain_name = t.domain_name)""")
    assert unmatched == 0


def test_every_transaction_day_has_a_session(small_con):
    assert _scalar(small_con, """
        SELECT count(*) FROM transactions t ANTI JOIN sessions s
          ON s.machine_id = t.machine_id AND s.event_date = t.event_date AND s.domain_name = t.domain_name""") == 0


@pytest.mark.parametrize("table", ["sessions", "transactions"])
def test_a_few_exact_duplicate_rows(small_con, table):
    rows = _scalar(small_con, f"SELECT count(*) FROM {table}")
    distinct = _scalar(small_con, f"SELECT count(*) FROM (SELECT DISTINCT * FROM {table})")
    assert 0 < rows - distinct <= 0.002 * rows


def test_truth_is_kept_apart_from_the_panel(small_panel):
    fmt, out = small_panel
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == sorted(f"{t}.{fmt}" for t in PANEL_TABLES)
    assert sorted(p.name for p in (out / "truth").iterdir()) == sorted(f"{t[6:]}.{fmt}" for t in TRUTH_TABLES)
    panel_columns = {col for name in PANEL_TABLES for col, _ in panel.SCHEMAS[name]}
    assert not panel_columns & {"user_type", "intent"}


def test_writing_replaces_an_earlier_panel_of_either_format(tmp_path, small_tables):
    panel.write_panel(small_tables, tmp_path, "parquet")
    panel.write_panel(small_tables, tmp_path, "csv")
    names = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert names == sorted(f"{t}.csv" for t in PANEL_TABLES + TRUTH_TABLES)


def test_a_failed_write_leaves_no_panel_that_looks_complete(tmp_path, small_tables):
    panel.write_panel(small_tables, tmp_path, "csv")  # an earlier, complete panel
    broken = {**small_tables, "transactions": small_tables["transactions"].drop_columns(["basket_tot"])}
    with pytest.raises(duckdb.Error):
        panel.write_panel(broken, tmp_path, "csv")
    assert not list(tmp_path.rglob("*.csv"))


def test_campaign_exposures_and_intents_are_consistent(small_con):
    assert _scalar(small_con, "SELECT count(*) FROM campaign_exposures WHERE engaged_date < exposed_date") == 0
    assert 8 <= _scalar(small_con, "SELECT count(DISTINCT campaign_id) FROM campaign_exposures") <= 12
    assert _scalar(small_con, """SELECT count(*) FROM campaign_exposures
                                 WHERE channel NOT IN ('email', 'display', 'social', 'push')""") == 0
    per_intent = dict(small_con.execute("""
        WITH buys AS (SELECT DISTINCT machine_id, event_date FROM transactions WHERE domain_name = 'amazon.com')
        SELECT i.intent, avg(EXISTS (
                   SELECT 1 FROM buys b WHERE b.machine_id = e.machine_id
                     AND b.event_date BETWEEN e.exposed_date AND e.exposed_date + 30)::INT) AS bought_in_window
        FROM campaign_exposures e JOIN truth_campaign_intent i USING (machine_id, campaign_id)
        GROUP BY i.intent""").fetchall())
    assert per_intent == {"prompted": 1.0, "organic": 1.0, "none": 0.0}
    prompted_after_engaging = _scalar(small_con, """
        SELECT bool_and(engaged_date IS NOT NULL AND EXISTS (
            SELECT 1 FROM transactions t WHERE t.machine_id = e.machine_id AND t.domain_name = 'amazon.com'
              AND t.event_date BETWEEN e.engaged_date AND e.engaged_date + 30))
        FROM campaign_exposures e JOIN truth_campaign_intent i USING (machine_id, campaign_id)
        WHERE i.intent = 'prompted'""")
    assert prompted_after_engaging


def test_days_since_previous_purchase_stays_within_user_and_domain():
    days = simulate.Days(user=np.array([0, 0, 0, 0, 1, 1]), domain=np.array([0, 0, 0, 1, 0, 0]),
                      day=np.array([3, 5, 9, 10, 4, 8]))
    since = simulate.days_since_previous_purchase(days, np.array([True, False, True, False, False, True]))
    np.testing.assert_array_equal(since, [np.nan, 2, 6, np.nan, np.nan, np.nan])


def test_lapses_stop_a_pair_after_its_kth_purchase_day():
    pair = np.array([0, 0, 0, 0, 1, 1, 1])
    lapses = lapses_module.Lapses(user=np.array([0, 1]), domain=np.array([0, 0]), probability=np.array([0.5, 0.5]),
                                  purchases_before_lapse=np.array([2, 1]), pair_of_day=pair)
    wanted = np.array([True, False, True, True, True, True, False])
    np.testing.assert_array_equal(lapses_module.purchases_before(wanted, pair), [0, 1, 1, 2, 0, 1, 2])
    bought = lapses_module.until_lapse(wanted, lapses)
    np.testing.assert_array_equal(bought, [True, False, True, False, True, False, False])
    day = np.array([3, 5, 9, 12, 4, 8, 9])
    np.testing.assert_array_equal(lapses_module.with_lapse_days(lapses, bought, day).lapse_day, [9, 4])


def test_repeat_truth_matches_the_purchases(small_con):
    """truth/repeat_behaviour: a lapsed customer's purchase days on a domain are exactly its first
    K (campaign-prompted purchases on amazon.com come on top), and none follows the lapse."""
    rows = small_con.execute("""
        WITH days AS (SELECT DISTINCT machine_id, domain_name, event_date FROM transactions)
        SELECT r.domain_name = 'amazon.com' AS has_campaigns,
               count(*) FILTER (WHERE d.event_date <= r.lapse_date) AS days_to_lapse,
               r.purchases_before_lapse,
               count(*) FILTER (WHERE d.event_date > r.lapse_date) AS days_after
        FROM truth_repeat_behaviour r JOIN days d USING (machine_id, domain_name)
        WHERE r.lapse_date IS NOT NULL
        GROUP BY r.machine_id, r.domain_name, r.purchases_before_lapse""").fetchall()
    assert len(rows) > 20
    others = [row for row in rows if not row[0]]
    assert others and all(to_lapse == k and after == 0 for _, to_lapse, k, after in others)
    assert all(to_lapse >= k for _, to_lapse, k, _ in rows)
    assert _scalar(small_con, "SELECT count(*) FROM truth_repeat_behaviour WHERE lapse_date > active_until_date") == 0
    # one row per (machine, domain) seen in the sessions
    assert _scalar(small_con, "SELECT count(*) FROM truth_repeat_behaviour") == _scalar(
        small_con, "SELECT count(*) FROM (SELECT DISTINCT machine_id, domain_name FROM sessions)")


def test_cli_writes_and_reports(tmp_path, capsys):
    panel.main(["--sessions", "3000", "--seed", "1", "--out", str(tmp_path), "--format", "parquet", "--report"])
    printed = capsys.readouterr().out
    assert "sessions=" in printed and "aov.amazon.com" in printed
    assert (tmp_path / "sessions.parquet").exists() and not list(tmp_path.rglob("*.partial"))


# ------------------------------------------------------------------------------------------
# Calibration against the reference (SPEC.md) on a ~400K-session panel
# ------------------------------------------------------------------------------------------


def test_session_rows_scale_with_the_request(calibration_panel):
    rows = _scalar(duckdb.connect(), f"SELECT count(*) FROM {panel.panel_source_sql(calibration_panel, 'sessions')}")
    assert abs(rows / CALIBRATION_SESSIONS - 1) < 0.06


def test_conversion_levels(marginals):
    assert marginals["conversion.amazon_2023"] == pytest.approx(0.103, abs=0.012)
    assert 0.085 <= marginals["conversion.other_domains"] <= 0.105
    assert marginals["conversion.other_domains"] < marginals["conversion.amazon_2023"]


def test_conversion_rises_with_pages(marginals):
    rates = [marginals[f"conversion_by_pages.{b}"] for b in report.PAGES_BUCKETS]
    assert all(later > earlier for earlier, later in pairwise(rates)), rates
    assert 0.04 <= marginals["conversion_by_pages.2-3"] <= 0.10
    assert 0.25 <= marginals["conversion_by_pages.51+"] <= 0.40


def test_conversion_by_referrer(marginals):
    rate = {b: marginals[f"conversion_by_referrer.{b}"] for b in calibration.REFERRER_BUCKETS}
    assert rate["marketplace"] == pytest.approx(0.19, abs=0.03)
    assert rate["direct"] == pytest.approx(0.14, abs=0.025)
    assert rate["search"] == pytest.approx(0.08, abs=0.02)
    assert rate["social"] == pytest.approx(0.08, abs=0.02)
    assert rate["marketplace"] > rate["direct"] > max(rate["search"], rate["social"], rate["other"])


def test_conversion_by_hour_and_weekday(marginals):
    assert 14 <= marginals["conversion.peak_hour"] <= 18
    assert marginals["conversion.hours_14_18"] > 1.3 * marginals["conversion.hours_03_08"]
    assert marginals["conversion.weekend"] > marginals["conversion.weekday"]


def test_average_order_value_per_domain(marginals):
    for domain in calibration.DOMAINS:
        assert marginals[f"aov.{domain.name}"] == pytest.approx(domain.aov, rel=0.10), domain.name


def test_domain_shares_and_transaction_ratios(marginals):
    assert marginals["share.amazon_users"] == pytest.approx(85 / 150, abs=0.04)
    assert marginals["share.amazon_session_rows"] == pytest.approx(0.70, abs=0.04)
    assert marginals["share.tx_rows_site_session_zero"] == pytest.approx(0.5996, abs=0.03)
    assert marginals["ratio.tx_rows_per_session_row"] == pytest.approx(2.3 / 13.8, abs=0.02)


def test_report_lists_every_reference_marginal(marginals):
    report = panel.format_report(marginals)
    for key in panel.REFERENCE:
        assert key in report


# ------------------------------------------------------------------------------------------
# Latent structure the models must be able to find
# ------------------------------------------------------------------------------------------

USER_FEATURES_SQL = """
WITH visits AS (
    SELECT machine_id, count(DISTINCT event_date) AS frequency, avg(pages_viewed) AS pages, avg(duration) AS minutes
    FROM sessions WHERE domain_name = 'amazon.com' GROUP BY machine_id),
baskets AS (SELECT DISTINCT machine_id, event_date, event_time, basket_tot FROM transactions
            WHERE domain_name = 'amazon.com'),
gaps AS (
    SELECT machine_id, avg(gap) AS avg_gap FROM (
        SELECT machine_id, event_date - lag(event_date) OVER (PARTITION BY machine_id ORDER BY event_date) AS gap
        FROM (SELECT DISTINCT machine_id, event_date FROM baskets))
    GROUP BY machine_id)
SELECT t.user_type, v.frequency, g.avg_gap, b.avg_basket, v.pages, v.minutes
FROM visits v
JOIN (SELECT machine_id, avg(basket_tot) AS avg_basket FROM baskets GROUP BY machine_id) b USING (machine_id)
JOIN gaps g USING (machine_id)
JOIN truth_user_types t USING (machine_id)
WHERE g.avg_gap IS NOT NULL
"""


def test_kmeans_recovers_the_user_types(calibration_panel):
    """Document 000 §6: k-means (k=4) on standardized log RFM + engagement finds the personas."""
    users = _connect(calibration_panel).execute(USER_FEATURES_SQL).df()
    features = StandardScaler().fit_transform(np.log1p(users.drop(columns="user_type").astype(float).to_numpy()))
    clusters = KMeans(n_clusters=4, n_init=10, random_state=0).fit_predict(features)
    assert adjusted_rand_score(users["user_type"], clusters) > 0.6


EXPOSURE_FEATURES_SQL = """
WITH buys AS (SELECT DISTINCT machine_id, event_date FROM transactions WHERE domain_name = 'amazon.com'),
visits AS (SELECT DISTINCT machine_id, event_date FROM sessions WHERE domain_name = 'amazon.com'),
engaged_buyers AS (
    SELECT e.machine_id, e.campaign_id, e.exposed_date, i.intent
    FROM campaign_exposures e JOIN truth_campaign_intent i USING (machine_id, campaign_id)
    WHERE e.engaged_date IS NOT NULL AND EXISTS (
        SELECT 1 FROM buys b WHERE b.machine_id = e.machine_id
          AND b.event_date BETWEEN e.engaged_date AND e.exposed_date + 30))
SELECT x.intent,
       coalesce(min(x.exposed_date - b.event_date), 2000) AS recency,
       count(b.event_date) FILTER (WHERE b.event_date >= x.exposed_date - 365) AS frequency,
       (SELECT count(*) FROM visits v WHERE v.machine_id = x.machine_id
          AND v.event_date BETWEEN x.exposed_date - 30 AND x.exposed_date - 1) AS visits_30,
       (SELECT count(*) FROM campaign_exposures p WHERE p.machine_id = x.machine_id
          AND p.exposed_date < x.exposed_date AND p.engaged_date IS NOT NULL) AS engaged_before
FROM engaged_buyers x LEFT JOIN buys b ON b.machine_id = x.machine_id AND b.event_date < x.exposed_date
GROUP BY x.machine_id, x.campaign_id, x.exposed_date, x.intent
"""


def test_prompted_buyers_are_separable_beyond_rfm(calibration_panel):
    """Document 004: among engaged buyers, pre-exposure behaviour tells prompted from organic
    better than the RFM 'Champions' segment (recent, frequent buyers), who are mostly organic."""
    data = _connect(calibration_panel).execute(EXPOSURE_FEATURES_SQL).df()
    prompted = (data.pop("intent") == "prompted").to_numpy()
    assert 0.2 < prompted.mean() < 0.8
    features = np.log1p(data.astype(float).to_numpy())
    model = LogisticRegression(max_iter=1000)
    scores = cross_val_predict(model, features, prompted, cv=5, method="predict_proba")[:, 1]
    recency_rank = (-data["recency"]).rank(pct=True)
    frequency_rank = data["frequency"].rank(pct=True)
    champions = ((recency_rank > 0.6) & (frequency_rank > 0.6)).to_numpy()
    model_auc, champions_auc = roc_auc_score(prompted, scores), roc_auc_score(prompted, champions)
    assert model_auc > 0.75
    assert model_auc > champions_auc + 0.2
    assert prompted[champions].mean() < prompted[~champions].mean()
