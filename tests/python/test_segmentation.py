"""Personas: planted clusters come back through the compositions dbt runs, names follow the rules,
runs are reproducible."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from conftest import project_settings
from shopper_propensity.personas import names, pipeline
from shopper_propensity.personas import segmentation as seg
from shopper_propensity.settings import PersonaSettings

CONNECTION = duckdb.connect()  # holds the relations the pipeline reads, as dbt's connection does
# the project's vars: k = 2..10 by silhouette on 10,000 sampled users, seed 7, no demographics
SETTINGS = project_settings(PersonaSettings)

# Behaviour of four planted user types, in raw units (frequency, gap, basket, pages, minutes).
PLANTED = {
    names.DORMANT: (8, 300, 50, 8, 8),
    names.OCCASIONAL: (30, 40, 50, 8, 8),
    names.FREQUENT: (220, 12, 50, 9, 9),
    names.ENGAGED: (80, 25, 120, 23, 22),
}
# Purchase days and days since the last purchase of each type, for the naming evidence.
PLANTED_PURCHASES = {names.DORMANT: (2, 500), names.OCCASIONAL: (6, 60), names.FREQUENT: (30, 10),
                     names.ENGAGED: (8, 30)}


def planted_users(per_type: int = 400, seed: int = 0) -> pd.DataFrame:
    """Log-normal blobs around each type's profile, as user_rfm would hold them."""
    rng = np.random.default_rng(seed)
    frames = []
    for persona, profile in PLANTED.items():
        values = np.exp(np.log(profile) + rng.normal(0, 0.12, (per_type, len(profile))))
        frame = pd.DataFrame(values, columns=list(seg.BEHAVIOR_FEATURES))
        frame["purchase_days"], frame["days_since_last_purchase"] = PLANTED_PURCHASES[persona]
        frame["true_persona"] = persona
        frames.append(frame)
    users = pd.concat(frames, ignore_index=True)
    users.insert(0, "machine_id", np.arange(len(users)) + 1000)
    users["tenure_days"] = 1000
    for column in seg.DEMOGRAPHIC_FEATURES:
        users[column] = rng.integers(1, 4, len(users))
    return users


def user_rfm(users_by_domain: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyRelation:
    """A DuckDB relation shaped like the user_rfm mart, one block of users per domain."""
    frame = pd.concat([users.assign(domain_name=domain) for domain, users in users_by_domain.items()],
                      ignore_index=True)
    return CONNECTION.from_df(frame)


def test_recovers_planted_clusters_and_names_them():
    # the composition dbt runs: segment_k_selection, then user_segments at the k it chose
    users = planted_users()
    relation = user_rfm({"amazon.com": users})
    k_table = pipeline.k_selection(relation, SETTINGS)
    assignments = pipeline.user_segments(relation, CONNECTION.from_df(k_table), SETTINGS)

    assert k_table["domain_name"].unique().tolist() == ["amazon.com"] and (k_table["users"] == len(users)).all()
    assert seg.chosen_k(k_table) == 4
    assert adjusted_rand_score(users["true_persona"], assignments["segment_id"]) >= 0.9
    agreement = (assignments["persona"].to_numpy() == users["true_persona"].to_numpy()).mean()
    assert agreement >= 0.95


def test_one_pass_segments_every_domain_as_k_selection_then_user_segments_do():
    # user_segments_at_train_end (select_and_segment) against the two-model path, on two domains
    settings = project_settings(PersonaSettings, segment_domains="amazon.com, ebay.com", segment_k_min=3,
                                segment_k_max=5, segment_seed=3)
    relation = user_rfm({"amazon.com": planted_users(per_type=150), "ebay.com": planted_users(per_type=100, seed=1)})
    k_table = pipeline.k_selection(relation, settings)
    two_models = pipeline.user_segments(relation, CONNECTION.from_df(k_table), settings)
    one_pass = pipeline.select_and_segment(relation, settings, "int_user_rfm_at_train_end")
    pd.testing.assert_frame_equal(one_pass, two_models)
    assert one_pass["domain_name"].unique().tolist() == ["amazon.com", "ebay.com"]
    assert k_table.groupby("domain_name")["k"].apply(list).tolist() == [[3, 4, 5], [3, 4, 5]]
    # the same data and seed give the same tables
    pd.testing.assert_frame_equal(pipeline.k_selection(relation, settings), k_table)
    pd.testing.assert_frame_equal(pipeline.select_and_segment(relation, settings, "int_user_rfm_at_train_end"),
                                  one_pass)


def test_a_segmented_domain_without_users_is_named():
    settings = project_settings(PersonaSettings, segment_domains="amazon.com,etsy.com")
    with pytest.raises(ValueError, match="int_user_rfm_at_train_end for segmented domain 'etsy.com'"):
        pipeline.select_and_segment(user_rfm({"amazon.com": planted_users(per_type=20)}), settings,
                                    "int_user_rfm_at_train_end")


def test_segment_ids_are_canonical_whatever_the_row_order():
    users = planted_users(per_type=150)
    shuffled = users.sample(frac=1.0, random_state=1).reset_index(drop=True)
    settings = project_settings(PersonaSettings, segment_seed=5)
    ids = seg.assign_segments(users, 4, settings).set_index("machine_id")["segment_id"]
    shuffled_ids = seg.assign_segments(shuffled, 4, settings).set_index("machine_id")["segment_id"]
    # k-means may start elsewhere, but the canonical order (by basket, then frequency) fixes ids
    pd.testing.assert_series_equal(ids.sort_index(), shuffled_ids.sort_index())


def _frame(rows: dict[str, list[float]], columns) -> pd.DataFrame:
    return pd.DataFrame(rows, index=list(columns)).T.reset_index(drop=True)


def _centroids(rows: dict[str, list[float]]) -> pd.DataFrame:
    # columns: frequency, purchase gap, basket, pages, duration (standardized)
    return _frame(rows, seg.BEHAVIOR_FEATURES)


def _medians(rows: dict[str, list[float]]) -> pd.DataFrame:
    # raw medians: visit days, purchase days, gap days, basket USD, pages, minutes, days since purchase
    return _frame(rows, names.EVIDENCE_COLUMNS)


DOMAIN = pd.Series([30, 4, 35, 55, 7.5, 6.5, 390], index=list(names.EVIDENCE_COLUMNS))


def test_four_reference_personas_where_the_evidence_backs_them():
    centroids = _centroids({
        "a": [1.5, -0.8, 0.0, -0.2, -0.2],   # most frequent
        "b": [0.3, -0.5, 1.0, 1.9, 1.8],     # deep, long, big baskets
        "c": [-1.2, 1.5, 0.1, -0.4, -0.4],   # long gaps, rare
        "d": [-0.5, 0.2, -0.1, -0.3, -0.3],  # the rest
    })
    medians = _medians({
        "a": [240, 15, 22, 43, 9, 8.4, 340], "b": [93, 10, 20, 122, 22, 21, 280],
        "c": [11, 1, np.nan, 48, 7.6, 6.8, 450], "d": [25, 5, 44, 52, 4, 2.5, 410],
    })
    assert names.name_segments(centroids, medians, DOMAIN) == [names.FREQUENT, names.ENGAGED, names.DORMANT,
                                                              names.OCCASIONAL]


def test_no_reference_name_or_repeat_claim_without_the_evidence():
    # single-visit machines: one visit day each, at most one purchase day; imputed gaps make
    # late one-visit users look "quick" and k = 4 would hand out the reference names anyway
    centroids = _centroids({
        "a": [0.0, -1.9, 0.5, 0.2, 0.1], "b": [0.0, -1.2, -0.4, 1.5, 1.6],
        "c": [0.0, 1.1, 0.0, -0.8, -0.9], "d": [0.0, 0.9, 0.1, -0.2, 0.3],
    })
    one_visit = {"a": [1, 1, np.nan, 60, 6, 5, 20], "b": [1, 0, np.nan, np.nan, 19, 18, np.nan],
                 "c": [1, 0, np.nan, np.nan, 3, 2, np.nan], "d": [1, 1, np.nan, 50, 7, 6, 300]}
    domain = pd.Series([1, 0, np.nan, 55, 7, 6, 150], index=list(names.EVIDENCE_COLUMNS))
    named = names.name_segments(centroids, _medians(one_visit), domain)
    assert len(set(named)) == 4
    assert not any(word in name for name in named for word in ("Repeat", "Frequent", "Rare"))
    assert not set(named) & {names.OCCASIONAL, names.FREQUENT, names.ENGAGED}
    assert named[1] == "Deep Browsers / Long Visits"  # backed by its raw medians


def test_other_k_gets_unique_names_never_reordered_twins():
    centroids = _centroids({
        "a": [0.0, 0.0, 0.0, 1.0, 2.0],    # long visits first, then deep
        "b": [0.0, 0.0, 0.0, 2.0, 1.0],    # deep first, then long
        "c": [-2.0, 1.0, 0.0, 0.0, 0.0],
    })
    medians = _medians({"a": [30, 3, 30, 50, 12, 14, 300], "b": [30, 3, 30, 50, 14, 12, 300],
                        "c": [5, 2, 90, 50, 7, 6, 500]})
    named = names.name_segments(centroids, medians, DOMAIN)
    assert named[0] == "Deep Browsers / Long Visits"
    # the same two deviations in another order are the same claim: the twin is told apart by
    # what else its medians back (here its repeat buying), never by reordering the words
    assert named[1] == "Repeat Buyers: Deep Browsers"
    assert named[2] == "Rare Visitors / Lapsed Buyers"


def test_imputation_keeps_every_user_and_uses_tenure_and_median_basket():
    users = pd.DataFrame({
        "machine_id": [1, 2, 3],
        "tenure_days": [400, 90, 30],
        "frequency_days": [10, 5, 1],
        "avg_days_between_purchases": [20.0, np.nan, np.nan],
        "avg_basket_spend_usd": [40.0, 60.0, np.nan],
        "avg_pages_per_session": [5.0, 6.0, 1.0],
        "avg_duration_minutes_per_session": [4.0, 3.0, 0.0],
    })
    filled = seg.impute_behavior(users)
    assert filled["avg_days_between_purchases"].tolist() == [20.0, 90.0, 30.0]
    assert filled["avg_basket_spend_usd"].tolist() == [40.0, 60.0, 50.0]


def test_mean_basket_of_few_purchases_is_shrunk_toward_the_median():
    users = pd.DataFrame({
        "machine_id": [1, 2, 3, 4],
        "tenure_days": [400, 400, 400, 400],
        "purchase_days": [0, 1, 2, 98],
        "avg_days_between_purchases": [np.nan, np.nan, 30.0, 4.0],
        "avg_basket_spend_usd": [np.nan, 200.0, 20.0, 80.0],
    })
    basket = seg.impute_behavior(users)["avg_basket_spend_usd"].to_numpy()
    median, prior = 80.0, seg.BASKET_PRIOR_PURCHASES
    expected = [median, (200 + prior * median) / (1 + prior), (2 * 20 + prior * median) / (2 + prior),
                (98 * 80 + prior * median) / (98 + prior)]
    np.testing.assert_allclose(basket, expected)
    assert basket[1] < 200 and basket[2] > 20  # one-off baskets pulled in, many-purchase means kept


def test_forced_k_outside_range_is_a_clear_error():
    k_table = pd.DataFrame({"k": [2, 3], "silhouette": [0.4, 0.5]})
    assert seg.choose_k(k_table, None) == 3
    assert seg.choose_k(k_table, forced_k=2) == 2
    with pytest.raises(ValueError, match="segment_k=7"):
        seg.choose_k(k_table, forced_k=7)
