"""Propensity: no leakage across the temporal split, threshold search, metrics, determinism,
and clear errors for untrainable targets."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from conftest import project_settings
from shopper_propensity import metrics
from shopper_propensity.propensity import candidates, importance, inputs, lifecycle, registry, scoring, splits, training
from shopper_propensity.propensity import features as feat
from shopper_propensity.settings import PropensitySettings


def synthetic_features(rows: int = 6000, seed: int = 0) -> pd.DataFrame:
    """session_features-shaped rows with a learnable label over 2022-2023."""
    rng = np.random.default_rng(seed)
    dates = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 730, rows), unit="D")
    pages = rng.integers(1, 60, rows)
    frame = pd.DataFrame({
        "pseudo_session_id": [f"s{i:06d}" for i in range(rows)],
        "machine_id": rng.integers(1, 500, rows),
        "event_date": dates.date,
        "domain_name": rng.choice(["amazon.com", "ebay.com"], rows, p=[0.7, 0.3]),
        "day_of_week": rng.integers(1, 8, rows),
        "hour_of_day": rng.integers(0, 24, rows),
        "event_month": dates.month,
        "referrer_bucket": rng.choice(["search", "direct", "marketplace"], rows),
        "hoh_most_education": rng.choice([1.0, 2.0, np.nan], rows),
        "household_income": rng.integers(11, 19, rows),
        "census_region": rng.integers(1, 5, rows),
        "household_size": rng.integers(1, 7, rows),
        "hoh_oldest_age": rng.integers(1, 12, rows),
        "children": rng.integers(0, 2, rows),
        "pages_viewed": pages,
        "duration_minutes": pages * 0.8 + rng.exponential(2, rows),
        "session_count": rng.integers(1, 4, rows),
        "days_since_last_purchase": np.where(rng.random(rows) < 0.3, np.nan, rng.integers(1, 400, rows)),
        "days_since_last_session": rng.integers(1, 60, rows).astype(float),
        "prior_session_days": rng.integers(0, 100, rows),
        "prior_purchase_days": rng.integers(0, 10, rows),
        "historical_conversion_rate": rng.random(rows),
    })
    logit = -3 + 0.06 * frame["pages_viewed"] + 1.0 * (frame["referrer_bucket"] == "marketplace")
    frame["converted"] = rng.random(rows) < 1 / (1 + np.exp(-logit))
    frame["is_repeat_purchase"] = frame["converted"] & (frame["prior_purchase_days"] > 0)
    return frame


WINDOWS = splits.SplitWindows.from_vars("2023-01-01", 3)


def test_split_windows_from_vars_and_their_predicates():
    assert WINDOWS == splits.SplitWindows(date(2022, 10, 1), date(2023, 1, 1))
    days = pd.DataFrame({"domain_name": ["amazon.com"] * 4 + ["ebay.com"],
                         "event_date": pd.to_datetime(["2022-09-30", "2022-10-01", "2022-12-31", "2023-01-01",
                                                       "2022-10-01"]).date})
    relation = duckdb.connect().from_df(days)
    windows = {name: [str(day) for (day,) in relation.filter(predicate).project("event_date").fetchall()]
               for name, predicate in splits.window_predicates("amazon.com", WINDOWS).items()}
    # each window is [start, end) on the primary domain only
    assert windows == {"train": ["2022-09-30"], "validation": ["2022-10-01", "2022-12-31"], "test": ["2023-01-01"]}


def _fit(frame, numeric=(), calendar=(), categorical=()):
    return feat.FeatureEncoder.fit(frame, numeric=numeric, calendar=calendar, categorical=categorical)


def test_encoder_learns_levels_from_training_rows_only_and_counts_unseen_ones():
    train = pd.DataFrame({"referrer_bucket": ["search", None], "pages_viewed": [1.0, 2.0]})
    later = pd.DataFrame({"referrer_bucket": ["social", "search"], "pages_viewed": [3.0, np.nan]})
    encoder = _fit(train, categorical=("referrer_bucket",), numeric=("pages_viewed",))
    assert encoder.feature_names == ["pages_viewed", "referrer_bucket=search", "referrer_bucket=unknown"]
    encoded = encoder.transform(later)
    # a level first seen after training gets no column of its own and all-zero indicators
    assert encoded[0].tolist() == [3.0, 0.0, 0.0]
    assert np.isnan(encoded[1, 0]) and encoded[1, 1:].tolist() == [1.0, 0.0]
    # and is counted: 7 social rows unseen, the 5 search and 2 NULL (= unknown) rows are known
    counts = pd.Series([7, 5, 2], index=pd.Index(["social", "search", None], dtype=object))
    assert encoder.unseen_level_rows("referrer_bucket", counts) == 7


def test_calendar_features_are_numbers_that_survive_months_unseen_in_training():
    # a panel shorter than a year: training holds March to August only
    train = pd.DataFrame({"event_month": [3, 4, 5, 6, 7, 8], "hour_of_day": [0, 6, 12, 18, 23, 1]})
    encoder = _fit(train, calendar=("event_month", "hour_of_day"))
    assert encoder.feature_names == ["event_month", "event_month_sin", "event_month_cos",
                                     "hour_of_day", "hour_of_day_sin", "hour_of_day_cos"]
    encoded = encoder.transform(pd.DataFrame({"event_month": [12, 1], "hour_of_day": [6, 0]}))
    # December gets its own values, not the all-zero row of an unseen one-hot level ...
    np.testing.assert_allclose(encoded[0, :3], [12, 0, 1], atol=1e-6)
    # ... and sits next to January on the cycle
    assert np.hypot(*(encoded[0, 1:3] - encoded[1, 1:3])) == pytest.approx(2 * np.sin(np.pi / 12), abs=1e-6)
    np.testing.assert_allclose(encoded[0, 3:], [6, 1, 0], atol=1e-6)
    assert encoder.unseen_level_rows("event_month", pd.Series([10, 4, 3], index=[12, 1, 5])) == 14
    assert encoder.source_feature("event_month_cos") == "event_month"


def test_empty_and_constant_training_features_are_dropped_with_one_log_line(caplog):
    # single-visit machines: no history, so history features are empty or constant
    train = pd.DataFrame({
        "pages_viewed": [1, 5, 9], "days_since_last_purchase": [np.nan] * 3, "prior_session_days": [0, 0, 0],
        "days_since_last_session": [np.nan, 3.0, np.nan], "children": [1, 1, 1], "referrer_bucket": ["a", "b", None],
    })
    with caplog.at_level("WARNING", logger="shopper_propensity.propensity.features"):
        encoder = _fit(train, numeric=("pages_viewed", "days_since_last_purchase", "prior_session_days",
                                       "days_since_last_session"), categorical=("children", "referrer_bucket"))
    assert encoder.numeric == ("pages_viewed", "days_since_last_session")  # one value + NaN still informs
    assert encoder.categorical == ("referrer_bucket",)
    assert set(encoder.dropped) == {"days_since_last_purchase", "prior_session_days", "children"}
    assert encoder.dropped["days_since_last_purchase"] == "empty: no value in 3 rows"
    assert encoder.dropped["prior_session_days"] == "constant: 0 in every row"
    [record] = caplog.records
    assert all(name in record.getMessage() for name in encoder.dropped)
    restored = feat.FeatureEncoder.from_dict(json.loads(json.dumps(encoder.to_dict())))
    assert restored == encoder


def test_encoder_writes_each_block_at_its_offset():
    train = pd.DataFrame({"children": [0, 1], "referrer_bucket": ["direct", "search"],
                          "pages_viewed": pd.array([1, 2], dtype="Int64"), "duration_minutes": [1.5, 0.0]})
    later = pd.DataFrame({"children": [1, 0, 1], "referrer_bucket": ["search", "social", "direct"],
                          "pages_viewed": pd.array([7, None, 3], dtype="Int64"),
                          "duration_minutes": [2.0, 3.0, np.nan]})
    encoder = _fit(train, categorical=("children", "referrer_bucket"), numeric=("pages_viewed", "duration_minutes"))
    assert encoder.feature_names == ["pages_viewed", "duration_minutes", "children=0", "children=1",
                                     "referrer_bucket=direct", "referrer_bucket=search"]
    expected = np.array([[7, 2, 0, 1, 0, 1], [np.nan, 3, 1, 0, 0, 0], [3, np.nan, 0, 1, 1, 0]], dtype=np.float32)
    np.testing.assert_array_equal(encoder.transform(later), expected)


def test_model_features_shares_the_matrix_only_when_every_column_is_used():
    encoded = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert candidates.model_features(encoded, [0, 1, 2, 3]) is encoded
    subset = candidates.model_features(encoded, [0, 2])
    np.testing.assert_array_equal(subset, encoded[:, [0, 2]])
    assert not np.shares_memory(subset, encoded)


def test_logistic_scores_do_not_depend_on_the_batch_or_blas_threads():
    """A row's score is the same whatever rows are scored beside it (predict_proba's BLAS product
    changed last bits with the batch and the thread count, so two builds differed)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(3)
    features = rng.lognormal(size=(20_000, 40)).astype(np.float32)
    labels = features[:, 0] + rng.normal(size=20_000) > 1.5
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(features, labels)
    whole = candidates.predict_scores(model, features)
    np.testing.assert_allclose(whole, model.predict_proba(features)[:, 1], atol=1e-6)
    for rows, threads in ((1, 1), (999, 1), (7_777, 2), (20_000, 2)):
        with threadpool_limits(limits=threads, user_api="blas"):
            parts = [candidates.predict_scores(model, features[start:start + rows])
                     for start in range(0, len(features), rows)]
        assert np.array_equal(np.concatenate(parts), whole), (rows, threads)


def test_protected_attributes_cannot_be_features():
    frame = pd.DataFrame({"zip_code": [1, 2]})
    with pytest.raises(feat.FeatureError, match="zip_code"):
        _fit(frame, categorical=("zip_code",))


@pytest.fixture(scope="module")
def features_relation():
    connection = duckdb.connect()
    connection.register("session_features_frame", synthetic_features())
    yield connection.sql("select * from session_features_frame")
    connection.close()


def _train(relation, **overrides):
    # the project's vars (train_end 2023-01-01, 3 validation months, amazon.com, converted) on a small sample
    settings = project_settings(PropensitySettings, max_train_rows=100_000, propensity_seed=3, **overrides)
    assert splits.SplitWindows.from_vars(settings.train_end, settings.validation_months) == WINDOWS
    return training.train_registry(relation, settings)


@pytest.fixture(scope="module")
def trained(features_relation):
    return _train(features_relation)


@pytest.fixture(scope="module")
def artifact_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("artifacts")


@pytest.fixture(scope="module")
def stored(trained, artifact_dir) -> pd.DataFrame:
    """The registry frame of the trained run, its models stored as a version (as fit_registry does)."""
    return training.store_run(*trained, str(artifact_dir))


def test_no_validation_or_test_row_reaches_fitting(trained):
    rows, _, metadata = trained
    frame = synthetic_features()
    amazon = frame[frame["domain_name"] == "amazon.com"]
    before_validation = (pd.to_datetime(amazon["event_date"]) < pd.Timestamp(WINDOWS.validation_start)).sum()
    in_validation = ((pd.to_datetime(amazon["event_date"]) >= pd.Timestamp(WINDOWS.validation_start))
                     & (pd.to_datetime(amazon["event_date"]) < pd.Timestamp(WINDOWS.train_end))).sum()
    xgboost_row = next(row for row in rows if row["model_name"] == "xgboost")
    assert xgboost_row["fit_rows"] == before_validation
    assert xgboost_row["validation_rows"] == in_validation
    assert metadata["fit_window"]["before"] == "2022-10-01"


def test_encoder_levels_come_from_the_fit_window(features_relation):
    # a referrer level that exists only from the validation window on must not be a column
    frame = synthetic_features()
    late = pd.to_datetime(frame["event_date"]) >= pd.Timestamp(WINDOWS.validation_start)
    frame.loc[late, "referrer_bucket"] = "social"
    connection = duckdb.connect()
    connection.register("late_level", frame)
    _, _, metadata = _train(connection.sql("select * from late_level"))
    assert "referrer_bucket=social" not in metadata["feature_names"]


def test_training_is_deterministic_and_scores_separate_classes(features_relation, trained, stored, artifact_dir,
                                                               tmp_path):
    first, _, _ = trained
    retrained = _train(features_relation)
    assert [row["threshold"] for row in first] == [row["threshold"] for row in retrained[0]]
    # the same run stores the same version, byte for byte, wherever the artifact folder is
    second = training.store_run(*retrained, str(tmp_path))
    pd.testing.assert_frame_equal(second, stored)
    [version] = stored["model_version_id"].unique()
    assert _folder_bytes(tmp_path / "propensity" / version) == _folder_bytes(artifact_dir / "propensity" / version)
    scored = scoring.score_splits(features_relation, stored, str(artifact_dir), batch_rows=700).read_all()
    again = scoring.score_splits(features_relation, second, str(tmp_path), batch_rows=700).read_all()
    assert scored.equals(again)
    scores = scored.to_pandas()
    assert set(scores["split"]) == {"validation", "test"}
    assert scores["score"].between(0, 1).all()
    test_rows = scores[(scores["split"] == "test") & (scores["model_name"] == candidates.REFERENCE_MODEL)]
    result = metrics.classification_metrics(test_rows["actual"].to_numpy(int), test_rows["score"].to_numpy(), 0.5)
    assert result["roc_auc"] > 0.7


def test_one_class_target_fails_with_a_clear_message():
    frame = synthetic_features()
    frame["converted"] = False
    connection = duckdb.connect()
    connection.register("no_buyers", frame)
    with pytest.raises(splits.PropensityInputError, match=r"target 'converted' is 0 \(no positives\)"):
        _train(connection.sql("select * from no_buyers"))


def test_unknown_target_is_rejected():
    with pytest.raises(splits.PropensityInputError, match="propensity_target"):
        inputs.feature_columns("bought_twice")


def _validation_rows():
    frame = synthetic_features()
    return frame[(pd.to_datetime(frame["event_date"]) >= pd.Timestamp(WINDOWS.validation_start))
                 & (pd.to_datetime(frame["event_date"]) < pd.Timestamp(WINDOWS.train_end))
                 & (frame["domain_name"] == "amazon.com")]


def test_importance_ranks_the_features_the_label_depends_on(stored, artifact_dir):
    # the synthetic label depends on pages_viewed and referrer_bucket only
    encoder, models = registry.registry_models(stored, artifact_dir)
    _, model, positions, _ = next(entry for entry in models if entry[0] == candidates.REFERENCE_MODEL)
    validation = _validation_rows()
    table = importance.feature_importance(model, positions, encoder, validation, "converted", seed=3)
    again = importance.feature_importance(model, positions, encoder, validation, "converted", seed=3)
    pd.testing.assert_frame_equal(table, again)
    by_permutation = table.sort_values("permutation_rank")["feature"].tolist()
    assert set(by_permutation[:2]) == {"pages_viewed", "referrer_bucket"}
    noise = table.set_index("feature").loc["hour_of_day", "permutation_importance"]
    assert abs(noise) < 0.02 < table.set_index("feature").loc["pages_viewed", "permutation_importance"]
    assert table["gain_share"].sum() == pytest.approx(1.0)


def test_importance_of_a_three_feature_model_gives_ties_one_shared_rank(stored, artifact_dir):
    encoder, models = registry.registry_models(stored, artifact_dir)
    _, model, positions, _ = next(entry for entry in models if entry[0] == "xgboost_parsimony")
    table = importance.feature_importance(model, positions, encoder, _validation_rows(), "converted", seed=3)
    assert set(table["feature"]) == set(feat.PARSIMONY_FEATURES)
    # tied values share the best rank of the tie, whatever the feature order
    tied = pd.Series([0.0, 0.3, 0.0, -0.1])
    assert importance._shared_rank(tied).tolist() == [2, 1, 2, 4]


def test_logistic_regression_and_forest_have_no_gain_but_permutation_importance(stored, artifact_dir):
    encoder, models = registry.registry_models(stored, artifact_dir)
    _, model, positions, _ = next(entry for entry in models if entry[0] == "logistic_regression")
    table = importance.feature_importance(model, positions, encoder, _validation_rows(), "converted", seed=3)
    assert table["gain"].isna().all() and table["gain_rank"].isna().all()
    assert table.iloc[0]["feature"] == "pages_viewed"  # ordered by permutation rank


def test_registry_records_one_champion_with_reasons_and_the_reference_model(trained):
    rows, _, metadata = trained
    registry = pd.DataFrame(rows)
    assert registry["is_champion"].sum() == 1
    assert registry.loc[registry["is_reference_model"], "model_name"].tolist() == ["xgboost"]
    assert registry["complexity_rank"].tolist() == [1, 2, 3, 4, 5]  # simplest first
    assert registry["selection_reason"].str.contains("validation PR AUC").all()
    champion = registry.loc[registry["is_champion"]].iloc[0]
    assert champion["selection_reason"].startswith("champion:")
    assert metadata["champion"] == champion["model_name"]


def test_pinned_champion_overrides_the_selection(features_relation):
    rows, _, _ = _train(features_relation, propensity_champion="random_forest")
    registry = pd.DataFrame(rows).set_index("model_name")
    assert registry["is_champion"].idxmax() == "random_forest"
    assert "pinned by var propensity_champion" in registry.loc["random_forest", "selection_reason"]
    with pytest.raises(ValueError, match="propensity_champion='gbm'"):
        _train(features_relation, propensity_champion="gbm")


def test_scoring_refuses_windows_other_than_the_registry_s(trained):
    registry = pd.DataFrame(trained[0])
    assert splits.registry_windows(registry, WINDOWS, "amazon.com") == WINDOWS
    with pytest.raises(splits.PropensityInputError, match=r"train_end 2023-01-01, but the vars now give .*2023-03-01"):
        splits.registry_windows(registry, splits.SplitWindows.from_vars("2023-03-01", 3), "amazon.com")
    with pytest.raises(splits.PropensityInputError, match="rebuild the registry|Rebuild the registry"):
        splits.registry_windows(registry, WINDOWS, "ebay.com")


def test_a_model_pickled_by_moved_code_asks_for_a_rebuilt_registry():
    # a registry written before a module move references a function path that no longer exists
    blob = registry.dump_model(feat.FeatureEncoder)
    moved = blob.replace(b"shopper_propensity.propensity.features", b"shopper_propensity.propensity.featurez")
    with pytest.raises(splits.PropensityInputError, match="rebuild it: dbt build --select propensity_model_registry"):
        registry.load_model(moved)


def _folder_bytes(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_training_run_is_one_version_folder_with_a_manifest(stored, artifact_dir):
    [version] = stored["model_version_id"].unique()
    folder = artifact_dir / "propensity" / version
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["version_id"] == version
    assert manifest["champion"] == stored.loc[stored["is_champion"], "model_name"].item()
    assert {candidate["model_name"] for candidate in manifest["candidates"]} == set(stored["model_name"])
    # every file it lists is there with the digest it records, and nothing else is
    assert set(manifest["files"]) | {"manifest.json"} == {path.name for path in folder.iterdir()}
    for row in stored.itertuples():
        assert (artifact_dir / row.artifact_file).parent == folder
        assert manifest["files"][f"{row.model_name}.pkl"] == row.artifact_sha256
    # the reference model is also plain XGBoost JSON, loadable without this package
    booster = xgb.Booster()
    booster.load_model(folder / "xgboost_propensity.json")
    assert booster.num_features() == len(manifest["feature_names"])
    assert not list((artifact_dir / "propensity").glob(".incomplete-*"))


def test_a_changed_or_missing_model_file_is_never_loaded(stored, artifact_dir, tmp_path):
    row = stored.iloc[0]
    copy = tmp_path / row.artifact_file
    copy.parent.mkdir(parents=True)
    copy.write_bytes(registry.dump_model(feat.FeatureEncoder))  # a different pickle under the same name
    with pytest.raises(splits.PropensityInputError, match="not the file propensity_model_registry recorded"):
        registry.load_stored_model(tmp_path, row.artifact_file, row.artifact_sha256)
    with pytest.raises(splits.PropensityInputError, match="is missing"):
        registry.load_stored_model(tmp_path / "elsewhere", row.artifact_file, row.artifact_sha256)
    assert registry.load_stored_model(artifact_dir, row.artifact_file, row.artifact_sha256) is not None


def test_the_lifecycle_keeps_or_adds_versions_and_a_kept_version_reads_back_as_trained(features_relation, tmp_path):
    def run(policy, run_date):
        settings = project_settings(PropensitySettings, max_train_rows=100_000, propensity_seed=3,
                                    artifact_dir=str(tmp_path), retrain_policy=policy, run_date=run_date)
        return training.fit_registry(features_relation, settings)

    first = run("auto", "2024-01-01")  # no model yet
    kept = run("never", "2024-01-02")
    pd.testing.assert_frame_equal(kept, first)
    assert run("auto", "2024-01-03").equals(first)  # 2 days old; too few labels since train_end to monitor
    added = run("always", "2024-01-05")
    history = lifecycle.read_history(tmp_path)
    assert [row["retrain_rule"] for row in history] == ["no_model", "always"]
    assert [row["trained_at"] for row in history] == ["2024-01-01", "2024-01-05"]
    assert history[0]["model_version_id"] == first["model_version_id"].iloc[0]
    assert history[1]["model_version_id"] == added["model_version_id"].iloc[0] != history[0]["model_version_id"]
    # the same training rows: the fingerprint says so
    assert history[0]["data_fingerprint"] == history[1]["data_fingerprint"]
    assert history[1]["champion"] == added.loc[added["is_champion"], "model_name"].item()
    versions = lifecycle.versions_table(history, history[1]["model_version_id"]).to_pandas()
    assert len(versions) == 2 * len(first)
    assert versions.groupby("model_version_id")["is_current_version"].first().to_dict() == {
        history[0]["model_version_id"]: False, history[1]["model_version_id"]: True}
    with pytest.raises(lifecycle.LifecycleError, match="another build with the same artifact folder"):
        lifecycle.versions_table(history, history[0]["model_version_id"])
