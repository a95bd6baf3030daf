"""Personas (document 000 Figs. 10-11, document 002's radar chart, document 003's counts)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .common import FULL_WIDTH, HALF_WIDTH, HEIGHT, PERSONA_COLOR, THIRD_WIDTH, Marts, NoData, figure, panels, percent

# user_rfm features as a reader names them, with units (segment_profiles.radar_<feature>,
# segment_feature_distributions.feature_name).
FEATURE_LABELS = {
    "frequency_days": "visit days (days)",
    "avg_days_between_purchases": "mean days between purchases (days)",
    "avg_basket_spend_usd": "mean basket (USD)",
    "avg_pages_per_session": "pages per visit (pages)",
    "avg_duration_minutes_per_session": "minutes per visit (min)",
    "days_since_last_purchase": "days since the last purchase (days)",
}


def _with_persona_label(frame: pd.DataFrame) -> pd.DataFrame:
    """persona, prefixed with the domain when more than one domain is segmented."""
    labelled = frame.copy()
    labelled["persona"] = labelled["persona"].astype(str)
    if labelled["domain_name"].nunique() > 1:
        labelled["persona"] = labelled["domain_name"] + ": " + labelled["persona"]
    return labelled


@figure("report_persona_k_selection")
def persona_k_selection(marts: Marts):
    selection = marts["segment_k_selection"].copy()
    selection["chosen"] = selection["is_chosen"].map({True: "chosen k", False: "other k"})

    def panel(column: str, title: str, y_title: str):
        base = alt.Chart(selection).encode(
            x=alt.X("k:O", title="number of personas k (clusters)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{column}:Q", title=y_title, scale=alt.Scale(zero=False)),
            detail="domain_name:N",
        )
        chosen = (
            alt.Chart(selection[selection["is_chosen"]]).mark_rule(strokeDash=[4, 3], color="#d62728").encode(x="k:O")
        )
        points = base.mark_point(filled=True, size=90).encode(
            color=alt.Color(
                "chosen:N", title=None, scale=alt.Scale(domain=["chosen k", "other k"], range=["#d62728", "#4c78a8"])
            ),
            tooltip=["domain_name", "k", alt.Tooltip(f"{column}:Q", format=".3f")],
        )
        return (chosen + base.mark_line(color="#4c78a8") + points).properties(
            title=title, width=HALF_WIDTH, height=HEIGHT
        )

    return panels(
        [
            panel("inertia", "(a) elbow: inertia by k", "inertia (within-cluster sum of squares, standardized units²)"),
            panel("silhouette", "(b) silhouette by k", "mean silhouette (-1 to 1, sampled users)"),
        ]
    )


@figure("report_persona_profiles")
def persona_profiles(marts: Marts):
    profiles = _with_persona_label(marts["segment_profiles"])
    radar = [f"radar_{feature}" for feature in FEATURE_LABELS if f"radar_{feature}" in profiles]
    if not radar:
        raise NoData("segment_profiles has no radar_<feature> columns (standardized centroids)")
    long = profiles.melt(
        id_vars=["domain_name", "persona", "users"], value_vars=radar, var_name="feature", value_name="z"
    )
    long["feature"] = long["feature"].str.removeprefix("radar_").map(FEATURE_LABELS)
    order = [FEATURE_LABELS[column.removeprefix("radar_")] for column in radar]
    lines = (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=70), strokeWidth=2.5)
        .encode(
            x=alt.X(
                "feature:N",
                sort=order,
                title="behavioural feature (log1p, standardized)",
                axis=alt.Axis(labelAngle=0, labelLimit=220),
            ),
            y=alt.Y("z:Q", title="persona centroid (standard deviations from the average user)"),
            color=PERSONA_COLOR,
            tooltip=["persona", "feature", alt.Tooltip("z:Q", format=".2f"), "users"],
        )
    )
    zero = alt.Chart(long).mark_rule(color="#888").encode(y=alt.datum(0))
    return (zero + lines).properties(width=FULL_WIDTH, height=HEIGHT + 40)


@figure("report_persona_sizes_and_spend")
def persona_sizes_and_spend(marts: Marts):
    profiles = _with_persona_label(marts["segment_profiles"])

    def bars(column: str, axis: alt.Axis, title: str, label_format: str):
        base = alt.Chart(profiles).encode(
            x=alt.X(
                "persona:N",
                sort=profiles.sort_values("users", ascending=False)["persona"].tolist(),
                title="persona",
                axis=alt.Axis(labelAngle=-25),
            ),
            y=alt.Y(f"{column}:Q", axis=axis),
        )
        text = base.mark_text(dy=-7, fontSize=11).encode(text=alt.Text(f"{column}:Q", format=label_format))
        return (base.mark_bar().encode(color=PERSONA_COLOR, tooltip=["persona", "users", column]) + text).properties(
            title=title, width=THIRD_WIDTH, height=HEIGHT
        )

    return panels(
        [
            bars("users", alt.Axis(title="users (count)"), "(a) users per persona", ","),
            bars("conversion_rate", percent("purchase days / visit days (%)"), "(b) conversion", ".1%"),
            bars(
                "avg_spend_per_user_usd",
                alt.Axis(title="total spend per user (USD)", format="$,.0f"),
                "(c) spend per user",
                "$,.0f",
            ),
        ],
        columns=3,
    )


@figure("report_persona_feature_distributions")
def persona_feature_distributions(marts: Marts):
    distributions = _with_persona_label(marts["segment_feature_distributions"])
    distributions = distributions[distributions["users_with_value"] > 0]
    charts = []
    for feature, label in FEATURE_LABELS.items():
        selected = distributions[distributions["feature_name"] == feature]
        if selected.empty:
            continue
        base = alt.Chart(selected).encode(
            x=alt.X("persona:N", title=None, axis=alt.Axis(labelAngle=-25)),
            tooltip=[
                "persona",
                "users_with_value",
                alt.Tooltip("p05:Q", format=".1f"),
                alt.Tooltip("p25:Q", format=".1f"),
                alt.Tooltip("p50:Q", format=".1f"),
                alt.Tooltip("p75:Q", format=".1f"),
                alt.Tooltip("p95:Q", format=".1f"),
            ],
        )
        # skewed features: log axes, symlog where a percentile reaches 0
        scale = alt.Scale(type="log" if (selected["p05"] > 0).all() else "symlog")
        whiskers = base.mark_rule(color="#555").encode(y=alt.Y("p05:Q", title=label, scale=scale), y2="p95:Q")
        boxes = base.mark_bar(size=28).encode(y=alt.Y("p25:Q", scale=scale), y2="p75:Q", color=PERSONA_COLOR)
        medians = base.mark_tick(color="black", size=28, thickness=2).encode(y=alt.Y("p50:Q", scale=scale))
        charts.append((whiskers + boxes + medians).properties(title=label, width=THIRD_WIDTH, height=220))
    if not charts:
        raise NoData("segment_feature_distributions has no feature with a value")
    return panels(charts, columns=3)
