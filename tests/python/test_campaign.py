"""Campaign targeting (document 004): eq. 1 class weights, the SPLC loss as a real objective
(gradient and hessian checked by finite differences, low-probability positives corrected),
determinism of both stages, the evaluation metrics, and a panel without exposures building."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score, f1_score, precision_score, recall_score

from conftest import generate_panel
from shopper_propensity import campaign as cp

CAMPAIGN_MODELS = ("+campaign_targets", "+campaign_model_metrics", "+campaign_gain_curve", "+user_rfm_segments")


def synthetic_examples(n_per_campaign: int = 400, seed: int = 0) -> pd.DataFrame:
    """Exposures of two train and one test campaign, shaped like load_examples' output, where
    buying depends on purchase frequency and engaging on lapsed recency."""
    rng = np.random.default_rng(seed)
    frames = []
    for campaign_id, split in (("C1", "train"), ("C2", "train"), ("C3", "test")):
        n = n_per_campaign
        purchases = rng.poisson(2.0, n)
        recency = np.where(purchases > 0, rng.integers(1, 600, n), np.nan)
        frame = pd.DataFrame({
            "machine_id": np.arange(n) + 1000, "campaign_id": campaign_id, "channel": rng.choice(["email", "push"], n),
            "tenure_days": rng.integers(30, 900, n).astype(float),
            "days_since_last_visit": rng.integers(1, 60, n).astype(float),
            "days_since_last_purchase": recency, "days_since_last_engagement": np.nan,
            "avg_basket_spend_usd": np.where(purchases > 0, rng.gamma(2.0, 30.0, n), np.nan),
            "avg_pages_per_session": rng.gamma(2.0, 4.0, n), "avg_duration_minutes_per_session": rng.gamma(2.0, 3.0, n),
            "campaign_split": split,
        })
        for column in cp.COUNT_FEATURES:
            frame[column] = purchases if column.startswith("purchase") else purchases + rng.poisson(3.0, n)
        buys = rng.random(n) < 1 / (1 + np.exp(-(purchases - 2.5)))
        lapsed = np.nan_to_num(recency) > 90
        engaged = buys & (rng.random(n) < np.where(lapsed, 0.8, 0.3))
        frame["campaign_label"] = np.where(engaged, cp.ENGAGED, np.where(buys, cp.UNENGAGED, cp.INACTIVE))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Stage 1: eq. 1
# ---------------------------------------------------------------------------------------------


def test_class_weights_follow_eq1_and_balance_the_classes():
    labels = np.array([cp.ENGAGED] * 10 + [cp.UNENGAGED] * 30 + [cp.INACTIVE] * 160)
    weights = cp.class_weights(labels)
    assert weights == pytest.approx({cp.ENGAGED: 200 / 30, cp.UNENGAGED: 200 / 90, cp.INACTIVE: 200 / 480})
    totals = {label: weights[label] * (labels == label).sum() for label in cp.CLASSES}
    assert len({round(total, 9) for total in totals.values()}) == 1  # every class carries N / C

    probabilities = np.tile([0.2, 0.3, 0.5], (len(labels), 1))
    expected = -(10 * weights[cp.ENGAGED] * np.log(0.2) + 30 * weights[cp.UNENGAGED] * np.log(0.3)
                 + 160 * weights[cp.INACTIVE] * np.log(0.5))
    assert cp.weighted_cross_entropy(probabilities, labels, weights) == pytest.approx(expected)

    with pytest.raises(cp.CampaignInputError, match="engaged"):
        cp.class_weights(np.array([cp.UNENGAGED, cp.INACTIVE]))


def test_stage1_rows_are_probabilities_and_class_weights_lift_the_minority_class():
    examples = synthetic_examples()
    settings = cp.CampaignSettings()
    stage1 = cp.stage1_predictions(examples, settings)
    probabilities = stage1[list(cp.PROBABILITY_COLUMNS)].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    assert (stage1["is_excluded"] == (stage1["p_inactive"] >= settings.inactive_cut)).all()
    # the weighted softmax predicts the rare engaged class far more often than its base rate
    assert (stage1["predicted_label"] == cp.ENGAGED).mean() > (examples["campaign_label"] == cp.ENGAGED).mean()


def test_protected_attributes_never_reach_the_models():
    examples = synthetic_examples(n_per_campaign=50).assign(racial_background=1)
    with pytest.raises(cp.CampaignInputError, match="racial_background"):
        cp.CampaignEncoder.fit(examples)


# ---------------------------------------------------------------------------------------------
# Stage 2: the SPLC loss of eq. 4-5
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tau", [None, 0.3, 0.6])
@pytest.mark.parametrize("label", [0.0, 1.0])
def test_splc_gradient_and_hessian_match_finite_differences(tau, label):
    margins = np.linspace(-4.0, 4.0, 41)
    if tau is not None:  # the indicator jumps at p = tau: check on either side, not across it
        boundary = np.log(tau / (1 - tau))
        margins = margins[np.abs(margins - boundary) > 0.05]
    labels = np.full_like(margins, label)
    step = 1e-5
    grad, hess = cp.splc_grad_hess(margins, labels, tau)
    numeric_grad = (cp.splc_loss(margins + step, labels, tau) - cp.splc_loss(margins - step, labels, tau)) / (2 * step)
    numeric_hess = (cp.splc_grad_hess(margins + step, labels, tau)[0]
                    - cp.splc_grad_hess(margins - step, labels, tau)[0]) / (2 * step)
    np.testing.assert_allclose(grad, numeric_grad, atol=1e-6)
    np.testing.assert_allclose(hess, numeric_hess, atol=1e-6)


def test_label_correction_flips_low_probability_positives_only():
    tau = 0.4
    probabilities = np.array([0.1, 0.4, 0.41, 0.9, 0.1, 0.9])
    margins = np.log(probabilities / (1 - probabilities))
    labels = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0])

    corrected = cp.corrected_labels(margins, labels, tau)
    assert corrected.tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]  # p <= tau flips; negatives stay
    grad, _ = cp.splc_grad_hess(margins, labels, tau)
    # a corrected positive is pushed down like a negative (gradient p), a kept one up (p - 1)
    np.testing.assert_allclose(grad, [0.1, 0.4, 0.41 - 1, 0.9 - 1, 0.1, 0.9], atol=1e-9)
    # SPLC loss of a corrected positive is the negative loss, not -log p
    np.testing.assert_allclose(cp.splc_loss(margins, labels, tau)[0], -np.log(0.9))
    # plain BCE never corrects
    assert cp.corrected_labels(margins, labels, None).tolist() == labels.tolist()


def test_objective_starts_correcting_after_the_warmup():
    examples = synthetic_examples()
    train = examples[(examples["campaign_split"] == cp.TRAIN) & (examples["campaign_label"] != cp.INACTIVE)]
    features = cp.CampaignEncoder.fit(train).transform(train)
    is_engaged = (train["campaign_label"] == cp.ENGAGED).to_numpy()
    settings = cp.Stage2Settings(rounds=60)
    _, splc = cp.fit_stage2(features, is_engaged, cp.SPLC, tau=0.4, warmup_rounds=20, seed=3, settings=settings)
    _, bce = cp.fit_stage2(features, is_engaged, cp.BCE, tau=0.4, warmup_rounds=20, seed=3, settings=settings)
    assert splc.rounds == 60 and sum(splc.corrected_per_round[:20]) == 0
    assert splc.corrected_per_round[-1] > 0
    assert sum(bce.corrected_per_round) == 0


def test_splc_recovers_planted_prompted_positives_better_than_bce():
    # positives are prompted users plus organic buyers who happen to engage (35%); SPLC's own
    # decision (p > tau) should recover the prompted ones better than BCE's (p > 0.5)
    rng = np.random.default_rng(5)
    n = 3000
    features = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    prompted = rng.random(n) < 1 / (1 + np.exp(-(2.5 * features["x"] - 0.5)))
    observed = prompted | (rng.random(n) < 0.35)
    scores = {}
    for loss in cp.LOSSES:
        booster, _ = cp.fit_stage2(features, observed, loss, tau=0.4, warmup_rounds=50, seed=1)
        scores[loss] = cp.predict_stage2(booster, features)
    splc = cp.binary_metrics(prompted, scores[cp.SPLC] > 0.4)
    bce = cp.binary_metrics(prompted, scores[cp.BCE] > cp.BCE_DECISION_THRESHOLD)
    assert splc["balanced_accuracy"] > bce["balanced_accuracy"]
    assert splc["weighted_f1"] > bce["weighted_f1"]


def test_both_stages_are_deterministic():
    examples = synthetic_examples(n_per_campaign=250, seed=2)
    settings = cp.CampaignSettings(seed=11)
    first = cp.stage2_predictions(examples, cp.stage1_predictions(examples, settings), settings)
    second = cp.stage2_predictions(examples, cp.stage1_predictions(examples, settings), settings)
    pd.testing.assert_frame_equal(first, second)
    assert set(first["loss"]) == set(cp.LOSSES)
    kept = ~first["is_excluded"]
    assert first.loc[kept, "prompted_score"].notna().all() and first.loc[~kept, "prompted_score"].isna().all()


def test_no_exposures_gives_typed_empty_frames_and_no_train_campaign_is_an_error():
    empty = synthetic_examples(n_per_campaign=10).iloc[0:0]
    assert list(cp.stage1_predictions(empty, cp.CampaignSettings()).columns) == list(cp.STAGE1_COLUMNS)
    assert cp.stage2_predictions(empty, empty, cp.CampaignSettings()).empty
    only_test = synthetic_examples(n_per_campaign=20).assign(campaign_split="test")
    with pytest.raises(cp.CampaignInputError, match="campaign_test_from"):
        cp.stage1_predictions(only_test, cp.CampaignSettings())


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def test_binary_metrics_match_scikit_learn():
    rng = np.random.default_rng(4)
    truth, flagged = rng.random(500) < 0.1, rng.random(500) < 0.2
    metrics = cp.binary_metrics(truth, flagged)
    assert metrics["precision"] == pytest.approx(precision_score(truth, flagged))
    assert metrics["recall"] == pytest.approx(recall_score(truth, flagged))
    assert metrics["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(truth, flagged))
    assert metrics["weighted_f1"] == pytest.approx(f1_score(truth, flagged, average="weighted"))
    assert np.isnan(cp.binary_metrics(truth, np.zeros(500, bool))["precision"])


def _scored(rows: list[tuple]) -> pd.DataFrame:
    """load_scored_test-shaped rows: (machine_id, label, rfm_segment, stage2_probability, is_prompted)
    of one test campaign, both losses ranked the same way."""
    columns = ["machine_id", "campaign_label", "rfm_segment", "stage2_probability", "is_prompted"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["campaign_id"] = "C9"
    frame["is_excluded"] = False
    frame["targeting_rank"] = frame["stage2_probability"].rank(ascending=False, method="first").astype(int)
    frame["stage2_rank"] = frame["targeting_rank"]
    return pd.concat([frame.assign(loss=loss) for loss in cp.LOSSES], ignore_index=True)


def test_model_segment_matches_the_mean_baseline_size_and_gain_reaches_one():
    scored = _scored([
        (1, cp.ENGAGED, None, 0.9, True), (2, cp.ENGAGED, "Champions", 0.8, True),
        (3, cp.UNENGAGED, "Champions", 0.7, False), (4, cp.INACTIVE, "Loyal Customers", 0.6, False),
        (5, cp.UNENGAGED, "Potential Loyalist", 0.2, False), (6, cp.INACTIVE, "Champions", 0.1, False),
    ])
    metrics = cp.segment_metrics(scored, tau=0.4).set_index(["evaluated_population", "segment"])
    exposed = metrics.loc["exposed"]
    # baselines flag 3, 1 and 1 users: the model segment flags round(5 / 3) = 2, both prompted
    assert exposed.loc["Model segment (SPLC)", "users_flagged"] == 2
    assert exposed.loc["Model segment (SPLC)", "true_positives"] == 2
    assert exposed.loc["Champions (RFM)", "true_positives"] == 1
    assert exposed.loc["Champions (RFM)", "splc_true_positives_same_size"] == 2
    assert exposed.loc["Model decision (SPLC)", "users_flagged"] == 4  # p > 0.4
    assert exposed.loc["Model decision (plain BCE)", "users_flagged"] == 4  # p > 0.5
    assert metrics.loc[("responders", "Model segment (SPLC)"), "users_evaluated"] == 4

    curve = cp.gain_curve(scored)
    exposed_curve = curve[(curve["evaluated_population"] == "exposed") & (curve["loss"] == cp.SPLC)]
    assert exposed_curve["cumulative_gain"].is_monotonic_increasing
    assert exposed_curve["cumulative_gain"].iloc[-1] == 1.0
    assert exposed_curve.loc[exposed_curve["targeted_percent"] == 34, "cumulative_gain"].item() == 1.0


# ---------------------------------------------------------------------------------------------
# A panel without campaign exposures still builds
# ---------------------------------------------------------------------------------------------


def test_panel_without_campaign_file_builds_and_skips_the_campaign_models(tmp_path, dbt_project_factory):
    panel = generate_panel(tmp_path / "panel", sessions=5_000)
    (panel / "campaign_exposures.csv").unlink()

    project = dbt_project_factory(panel)
    # cautious: leave out tests that also need models outside the selection (personas, propensity)
    result = project.run("build", "--select", *CAMPAIGN_MODELS, "--indirect-selection", "cautious")

    assert result.returncode == 0, result.stdout[-3000:]
    assert "Campaign models skipped: no campaign_exposures file" in result.stdout
    for table in ("campaign_stage1_predictions", "campaign_stage2_predictions", "campaign_targets",
                  "campaign_model_metrics", "campaign_gain_curve"):
        assert project.query(f"select count(*) from {table}") == [(0,)], table
    (customers,), = project.query("select count(*) from user_rfm_segments")
    assert customers > 0
