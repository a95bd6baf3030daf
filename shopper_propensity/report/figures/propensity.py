"""Propensity (document 000 §7: Table 1, Figs. 12a, 13, 14, §7.5): the candidate models on the
test period, the primary model's features and thresholds, and its transfer to other domains."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .common import (
    ALL_NON_PRIMARY,
    FULL_WIDTH,
    HALF_WIDTH,
    HEIGHT,
    Marts,
    NoData,
    champion_model,
    dashed_rule,
    domain_groups,
    figure,
    model_labels,
    panels,
    percent,
    primary_domain,
    rows_where,
)

MODEL_COLOR_TITLE = "model"
# propensity_model_metrics columns drawn side by side, as a reader names them.
METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "accuracy": "accuracy",
}


def _test_metrics(metrics: pd.DataFrame, **equals) -> pd.DataFrame:
    return rows_where(metrics, "propensity_model_metrics", split="test", threshold_kind="tuned", **equals)


def _curves(marts: Marts, x: str, y: str, x_title: str, y_title: str, area_metric: str, reference):
    """One panel per domain group: a curve per model, labelled with its area from the metrics."""
    points = marts["propensity_curve_points"]
    labels = model_labels(marts["propensity_models"])
    primary = primary_domain(marts["domain_summary"])
    metrics = marts["propensity_model_metrics"]
    charts = []
    for group in domain_groups(points["domain_group"], primary):
        curve = points[points["domain_group"] == group].copy()
        area = _test_metrics(metrics, domain_name=group).set_index("model_name")[area_metric]
        curve["model"] = [
            f"{labels.get(name, name)}: {METRIC_LABELS[area_metric]} {area.get(name, float('nan')):.3f}"
            for name in curve["model_name"]
        ]
        if x == "false_positive_rate":  # the implied ROC origin
            origin = curve.drop_duplicates("model").assign(
                false_positive_rate=0.0, true_positive_rate=0.0, threshold=1.0, point_order=0
            )
            curve = pd.concat([origin, curve], ignore_index=True)
        drawn = curve[["model_name", "model", "point_order", "threshold", x, y]]  # only what is drawn is embedded
        lines = (
            alt.Chart(drawn)
            .mark_line(strokeWidth=2)
            .encode(
                x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(domain=[0, 1])),
                y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(domain=[0, 1])),
                order="point_order:Q",
                color=alt.Color(
                    "model:N", title=f"{MODEL_COLOR_TITLE} ({group})", legend=alt.Legend(orient="bottom", columns=1)
                ),
                tooltip=[
                    "model_name",
                    alt.Tooltip("threshold:Q", format=".3f"),
                    alt.Tooltip(f"{x}:Q", format=".3f"),
                    alt.Tooltip(f"{y}:Q", format=".3f"),
                ],
            )
        )
        charts.append(
            (reference(curve, x_title, y_title) + lines).properties(title=group, width=HALF_WIDTH, height=HALF_WIDTH)
        )
    return panels(charts).resolve_scale(color="independent")


@figure("report_propensity_roc_curves")
def roc_curves(marts: Marts):
    def diagonal(_curve, x_title, y_title):
        line = pd.DataFrame({"false_positive_rate": [0.0, 1.0], "true_positive_rate": [0.0, 1.0]})
        return (
            alt.Chart(line)
            .mark_line(strokeDash=[5, 4], color="#888")
            .encode(x=alt.X("false_positive_rate:Q", title=x_title), y=alt.Y("true_positive_rate:Q", title=y_title))
        )

    return _curves(
        marts,
        "false_positive_rate",
        "true_positive_rate",
        "false positive rate (share of non-buying sessions flagged)",
        "true positive rate (share of buying sessions flagged)",
        "roc_auc",
        diagonal,
    )


@figure("report_propensity_pr_curves")
def pr_curves(marts: Marts):
    def base_rate(curve, _x_title, _y_title):
        rate = float((curve["group_positives"] / curve["group_sessions"]).iloc[0])
        return dashed_rule(rate)

    return _curves(
        marts,
        "true_positive_rate",
        "precision",
        "recall (share of buying sessions flagged)",
        "precision (share of flagged sessions that buy)",
        "pr_auc",
        base_rate,
    )


@figure("report_propensity_model_comparison")
def model_comparison(marts: Marts):
    primary = primary_domain(marts["domain_summary"])
    labels = model_labels(marts["propensity_models"])
    metrics = _test_metrics(marts["propensity_model_metrics"], domain_name=primary)
    long = metrics.melt(
        id_vars=["model_name", "threshold"], value_vars=list(METRIC_LABELS), var_name="metric", value_name="value"
    )
    long["metric"] = long["metric"].map(METRIC_LABELS)
    long["model"] = long["model_name"].map(labels).fillna(long["model_name"])
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(
                "metric:N",
                sort=list(METRIC_LABELS.values()),
                title=f"metric on the {primary} test period (0-1)",
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset=alt.XOffset("model:N"),
            y=alt.Y("value:Q", title="metric value (0-1; higher is better)", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("model:N", title=MODEL_COLOR_TITLE),
            tooltip=[
                "model_name",
                "metric",
                alt.Tooltip("value:Q", format=".3f"),
                alt.Tooltip("threshold:Q", format=".3f"),
            ],
        )
        .properties(width=FULL_WIDTH, height=HEIGHT)
    )


@figure("report_propensity_feature_importance")
def feature_importance(marts: Marts):
    registry = marts["propensity_models"]
    champion = champion_model(registry)
    reference = str(registry.loc[registry["is_reference_model"].astype(bool), "model_name"].iloc[0])
    importance = marts["propensity_feature_importance"]
    gains = rows_where(importance, "propensity_feature_importance", model_name=reference)
    permutations = rows_where(importance, "propensity_feature_importance", model_name=champion)
    order = gains.sort_values(["gain_rank", "feature"])["feature"].tolist()

    def bars(rows: pd.DataFrame, column: str, axis: alt.Axis, title: str):
        return (
            alt.Chart(rows)
            .mark_bar(color="#4c78a8")
            .encode(
                y=alt.Y("feature:N", sort=order, title="session_features column"),
                x=alt.X(f"{column}:Q", axis=axis),
                tooltip=[
                    "model_name",
                    "feature",
                    alt.Tooltip("gain_share:Q", format=".1%"),
                    alt.Tooltip("permutation_importance:Q", format=".4f"),
                ],
            )
            .properties(title=title, width=HALF_WIDTH - 60, height=24 * len(order))
        )

    return panels(
        [
            bars(
                gains,
                "gain_share",
                percent("share of the model's total split gain (%)"),
                f"(a) gain of the reference XGBoost ({reference})",
            ),
            bars(
                permutations,
                "permutation_importance",
                alt.Axis(title="drop in validation ROC AUC when shuffled (AUC points)"),
                f"(b) permutation importance of the champion ({champion})",
            ),
        ]
    )


@figure("report_propensity_confusion_matrices")
def confusion_matrices(marts: Marts):
    primary = primary_domain(marts["domain_summary"])
    model = champion_model(marts["propensity_models"])
    cells = rows_where(
        marts["propensity_confusion_matrix"],
        "propensity_confusion_matrix",
        model_name=model,
        split="test",
        domain_name=primary,
    )
    cells["actual"] = cells["is_actual_positive"].map({True: "bought", False: "did not buy"})
    cells["predicted"] = cells["is_predicted_positive"].map({True: "flagged", False: "not flagged"})
    cells["share_of_actual"] = cells["pseudo_sessions"] / cells.groupby("actual")["pseudo_sessions"].transform("sum")
    cells["label"] = [
        f"{count:,.0f} ({share:.0%})"
        for count, share in zip(cells["pseudo_sessions"], cells["share_of_actual"], strict=True)
    ]
    charts = []
    for kind, title in (("default", "(a) default threshold"), ("tuned", "(b) threshold tuned on validation")):
        panel = cells[cells["threshold_kind"] == kind]
        if panel.empty:
            raise NoData(f"propensity_confusion_matrix has no {kind}-threshold rows for {model} on {primary}")
        base = alt.Chart(panel).encode(
            x=alt.X(
                "predicted:N",
                sort=["not flagged", "flagged"],
                title="prediction (score ≥ threshold = flagged)",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("actual:N", sort=["did not buy", "bought"], title="actual outcome of the test session"),
        )
        heat = base.mark_rect().encode(
            color=alt.Color(
                "share_of_actual:Q", title="share of the actual row", scale=alt.Scale(scheme="blues", domain=[0, 1])
            ),
            tooltip=["outcome", "pseudo_sessions", alt.Tooltip("share_of_actual:Q", format=".1%")],
        )
        text = base.mark_text(fontSize=14).encode(
            text="label:N",
            color=alt.condition(alt.datum.share_of_actual > 0.6, alt.value("white"), alt.value("black")),
        )
        threshold = float(panel["threshold"].iloc[0])
        charts.append((heat + text).properties(title=f"{title} = {threshold:.3f}", width=HALF_WIDTH - 60, height=200))
    return panels(charts)


@figure("report_propensity_cross_domain")
def cross_domain(marts: Marts):
    model = champion_model(marts["propensity_models"])
    metrics = _test_metrics(marts["propensity_model_metrics"], model_name=model)
    shown = [name for name in METRIC_LABELS if name != "pr_auc"]
    long = metrics.melt(
        id_vars=["domain_name", "rows", "positives"], value_vars=shown, var_name="metric", value_name="value"
    )
    long["metric"] = long["metric"].map(METRIC_LABELS)
    domains = sorted(set(long["domain_name"]) - {ALL_NON_PRIMARY}) + (
        [ALL_NON_PRIMARY] if ALL_NON_PRIMARY in set(long["domain_name"]) else []
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(
                "domain_name:N",
                sort=domains,
                title=f"test-period domain (model {model}, threshold tuned on the training domain)",
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset=alt.XOffset("metric:N", sort=[METRIC_LABELS[name] for name in shown]),
            y=alt.Y("value:Q", title="metric value (0-1)", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "metric:N",
                title="metric",
                sort=[METRIC_LABELS[name] for name in shown],
                scale=alt.Scale(scheme="tableau10"),
            ),
            tooltip=["domain_name", "metric", alt.Tooltip("value:Q", format=".3f"), "rows", "positives"],
        )
        .properties(width=FULL_WIDTH, height=HEIGHT)
    )
