"""Campaign targeting (document 004): eq. 1 class weights, the SPLC loss as a real objective
(gradient and hessian checked by finite differences, low-probability positives corrected),
determinism of both stages, the evaluation metrics, and a panel without exposures building."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import generate_panel, project_settings
from shopper_propensity import metrics
from shopper_propensity.campaign import evaluation, pipeline, splc, stage1
from shopper_propensity.campaign import features as campaign_features
from shopper_propensity.campaign.outcomes import CLASSES, ENGAGED, INACTIVE, TRAIN, UNENGAGED, CampaignInputError
from shopper_propensity.settings import CampaignSettings

SETTINGS = project_settings(CampaignSettings)  # the project's vars: inactive cut 0.8, tau 0.4, 50 warm-up rounds

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
        for column in campaign_features.COUNT_FEATURES:
            frame[column] = purchases if column.startswith("purchase") else purchases + rng.poisson(3.0, n)
        buys = rng.random(n) < 1 / (1 + np.exp(-(purchases - 2.5)))
        lapsed = np.nan_to_num(recency) > 90
        engaged = buys & (rng.random(n) < np.where(lapsed, 0.8, 0.3))
        frame["campaign_label"] = np.where(engaged, ENGAGED, np.where(buys, UNENGAGED, INACTIVE))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Stage 1: eq. 1
# ---------------------------------------------------------------------------------------------


def test_class_weights_follow_eq1_and_balance_the_classes():
    labels = np.array([ENGAGED] * 10 + [UNENGAGED] * 30 + [INACTIVE] * 160)
    weights = stage1.class_weights(labels)
    assert weights == pytest.approx({ENGAGED: 200 / 30, UNENGAGED: 200 / 90, INACTIVE: 200 / 480})
    totals = {label: weights[label] * (labels == label).sum() for label in CLASSES}
    assert len({round(total, 9) for total in totals.values()}) == 1  # every class carries N / C

    with pytest.raises(CampaignInputError, match="engaged"):
        stage1.class_weights(np.array([UNENGAGED, INACTIVE]))


def test_stage1_rows_are_probabilities_and_class_weights_lift_the_minority_class():
    examples = synthetic_examples()
    predicted = pipeline.stage1_predictions(examples, SETTINGS)
    probabilities = predicted[list(stage1.PROBABILITY_COLUMNS)].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    assert (predicted["is_excluded"] == (predicted["p_inactive"] >= SETTINGS.campaign_inactive_cut)).all()
    # the weighted softmax predicts the rare engaged class far more often than its base rate
    assert (predicted["predicted_label"] == ENGAGED).mean() > (examples["campaign_label"] == ENGAGED).mean()


def test_protected_attributes_never_reach_the_models():
    examples = synthetic_examples(n_per_campaign=50).assign(racial_background=1)
    with pytest.raises(CampaignInputError, match="racial_background"):
        campaign_features.CampaignEncoder.fit(examples)


# ---------------------------------------------------------------------------------------------
# Stage 2: the SPLC loss of eq. 4-5
# ---------------------------------------------------------------------------------------------


def _eq5_loss(margin: np.ndarray, labels: np.ndarray, tau: float | None) -> np.ndarray:
    """Per-user loss of eq. 5 (the negated bracket of eq. 2), written out as the paper has it:
    -log p for a kept positive, -log(1 - p) for a negative or a corrected positive."""
    p = 1 / (1 + np.exp(-margin))
    kept_positive = (labels == 1) if tau is None else (labels == 1) & (p > tau)
    return -np.where(kept_positive, np.log(p), np.log1p(-p))


@pytest.mark.parametrize("tau", [None, 0.3, 0.6])
@pytest.mark.parametrize("label", [0.0, 1.0])
def test_splc_gradient_and_hessian_match_finite_differences(tau, label):
    margins = np.linspace(-4.0, 4.0, 41)
    if tau is not None:  # the indicator jumps at p = tau: check on either side, not across it
        boundary = np.log(tau / (1 - tau))
        margins = margins[np.abs(margins - boundary) > 0.05]
    labels = np.full_like(margins, label)
    step = 1e-5
    grad, hess = splc.splc_grad_hess(margins, labels, tau)
    numeric_grad = (_eq5_loss(margins + step, labels, tau) - _eq5_loss(margins - step, labels, tau)) / (2 * step)
    numeric_hess = (splc.splc_grad_hess(margins + step, labels, tau)[0]
                    - splc.splc_grad_hess(margins - step, labels, tau)[0]) / (2 * step)
    np.testing.assert_allclose(grad, numeric_grad, atol=1e-6)
    np.testing.assert_allclose(hess, numeric_hess, atol=1e-6)


def test_label_correction_flips_low_probability_positives_only():
    tau = 0.4
    probabilities = np.array([0.1, 0.4, 0.41, 0.9, 0.1, 0.9])
    margins = np.log(probabilities / (1 - probabilities))
    labels = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0])

    corrected = splc.corrected_labels(margins, labels, tau)
    assert corrected.tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]  # p <= tau flips; negatives stay
    grad, _ = splc.splc_grad_hess(margins, labels, tau)
    # a corrected positive is pushed down like a negative (gradient p), a kept one up (p - 1)
    np.testing.assert_allclose(grad, [0.1, 0.4, 0.41 - 1, 0.9 - 1, 0.1, 0.9], atol=1e-9)
    # SPLC loss of a corrected positive is the negative loss, not -log p
    np.testing.assert_allclose(_eq5_loss(margins, labels, tau)[0], -np.log(0.9))
    # plain BCE never corrects
    assert splc.corrected_labels(margins, labels, None).tolist() == labels.tolist()


def test_objective_starts_correcting_after_the_warmup():
    examples = synthetic_examples()
    train = examples[(examples["campaign_split"] == TRAIN) & (examples["campaign_label"] != INACTIVE)]
    features = campaign_features.CampaignEncoder.fit(train).transform(train)
    is_engaged = (train["campaign_label"] == ENGAGED).to_numpy()
    options = {"tau": 0.4, "warmup_rounds": 20, "seed": 3, "params": splc.Stage2Params(rounds=60)}
    _, corrected = splc.fit_stage2(features, is_engaged, splc.SPLC, **options)
    _, plain = splc.fit_stage2(features, is_engaged, splc.BCE, **options)
    assert corrected.rounds == 60 and sum(corrected.corrected_per_round[:20]) == 0
    assert corrected.corrected_per_round[-1] > 0
    assert sum(plain.corrected_per_round) == 0


def test_splc_recovers_planted_prompted_positives_better_than_bce():
    # positives are prompted users plus organic buyers who happen to engage (35%); SPLC's own
    # decision (p > tau) should recover the prompted ones better than BCE's (p > 0.5)
    rng = np.random.default_rng(5)
    n = 3000
    features = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    prompted = rng.random(n) < 1 / (1 + np.exp(-(2.5 * features["x"] - 0.5)))
    observed = prompted | (rng.random(n) < 0.35)
    scores = {}
    for loss in splc.LOSSES:
        booster, _ = splc.fit_stage2(features, observed, loss, tau=0.4, warmup_rounds=50, seed=1)
        scores[loss] = splc.predict_stage2(booster, features)
    corrected = metrics.binary_metrics(prompted, scores[splc.SPLC] > 0.4)
    plain = metrics.binary_metrics(prompted, scores[splc.BCE] > evaluation.BCE_DECISION_THRESHOLD)
    assert corrected["balanced_accuracy"] > plain["balanced_accuracy"]
    assert corrected["weighted_f1"] > plain["weighted_f1"]


def test_both_stages_are_deterministic():
    examples = synthetic_examples(n_per_campaign=250, seed=2)
    settings = project_settings(CampaignSettings, campaign_seed=11)
    first = pipeline.stage2_predictions(examples, pipeline.stage1_predictions(examples, settings), settings)
    second = pipeline.stage2_predictions(examples, pipeline.stage1_predictions(examples, settings), settings)
    pd.testing.assert_frame_equal(first, second)
    assert set(first["loss"]) == set(splc.LOSSES)
    kept = ~first["is_excluded"]
    assert first.loc[kept, "prompted_score"].notna().all() and first.loc[~kept, "prompted_score"].isna().all()


def test_no_exposures_gives_typed_empty_frames_and_no_train_campaign_is_an_error():
    empty = synthetic_examples(n_per_campaign=10).iloc[0:0]
    assert list(pipeline.stage1_predictions(empty, SETTINGS).columns) == list(pipeline.STAGE1_COLUMNS)
    assert pipeline.stage2_predictions(empty, empty, SETTINGS).empty
    only_test = synthetic_examples(n_per_campaign=20).assign(campaign_split="test")
    with pytest.raises(CampaignInputError, match="campaign_test_from"):
        pipeline.stage1_predictions(only_test, SETTINGS)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def _scored(rows: list[tuple]) -> pd.DataFrame:
    """load_scored_test-shaped rows: (machine_id, label, rfm_segment, stage2_probability, is_prompted)
    of one test campaign, both losses ranked the same way."""
    columns = ["machine_id", "campaign_label", "rfm_segment", "stage2_probability", "is_prompted"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["campaign_id"] = "C9"
    frame["is_excluded"] = False
    frame["targeting_rank"] = frame["stage2_probability"].rank(ascending=False, method="first").astype(int)
    frame["stage2_rank"] = frame["targeting_rank"]
    return pd.concat([frame.assign(loss=loss) for loss in splc.LOSSES], ignore_index=True)


def test_model_segment_matches_the_mean_baseline_size_and_gain_reaches_one():
    scored = _scored([
        (1, ENGAGED, None, 0.9, True), (2, ENGAGED, "Champions", 0.8, True),
        (3, UNENGAGED, "Champions", 0.7, False), (4, INACTIVE, "Loyal Customers", 0.6, False),
        (5, UNENGAGED, "Potential Loyalist", 0.2, False), (6, INACTIVE, "Champions", 0.1, False),
    ])
    settings = project_settings(CampaignSettings, campaign_splc_tau=0.4, campaign_target_share=None)
    table = evaluation.segment_metrics(scored, settings).set_index(["evaluated_population", "segment"])
    exposed = table.loc["exposed"]
    # baselines flag 3, 1 and 1 users: the model segment flags round(5 / 3) = 2, both prompted
    assert exposed.loc["Model segment (SPLC)", "users_flagged"] == 2
    assert exposed.loc["Model segment (SPLC)", "true_positives"] == 2
    assert exposed.loc["Champions (RFM)", "true_positives"] == 1
    assert exposed.loc["Champions (RFM)", "splc_true_positives_same_size"] == 2
    assert exposed.loc["Model decision (SPLC)", "users_flagged"] == 4  # p > 0.4
    assert exposed.loc["Model decision (plain BCE)", "users_flagged"] == 4  # p > 0.5
    assert table.loc[("responders", "Model segment (SPLC)"), "users_evaluated"] == 4

    curve = evaluation.gain_curve(scored)
    exposed_curve = curve[(curve["evaluated_population"] == "exposed") & (curve["loss"] == splc.SPLC)]
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
