"""Targeting (document 000 §8, document 002's ROI by segment, document 004 Fig. 3): what
contacting the top-scored sessions or users buys."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .common import (
    ALL_NON_PRIMARY,
    FULL_WIDTH,
    HALF_WIDTH,
    HEIGHT,
    PERSONA_COLOR,
    Marts,
    NoData,
    dashed_rule,
    domain_groups,
    figure,
    panels,
    percent,
    primary_domain,
)

ROI_TITLE = "ROI (profit / cost, ×; 0 = break-even)"
POPULATIONS = {
    "exposed": "every exposed user",
    "responders": "users who bought in the window",
    "engaged": "engaged users (the missing-label set)",
}
CURVE_COLORS = alt.Scale(
    domain=["model", "perfect ranking", "random targeting"], range=["#1f77b4", "#2ca02c", "#999999"]
)
# reference curves dashed, model curves solid
REFERENCE_DASH = alt.condition(
    "indexof(datum.curve, 'random') == 0 || indexof(datum.curve, 'perfect') == 0", alt.value([5, 4]), alt.value([1, 0])
)


def roi_label(roi: float) -> str:
    """ROI as a multiple of the cost: 2.6× means profit is 2.6 times the cost."""
    return f"{roi:.1f}×" if abs(roi) < 10 else f"{roi:,.0f}×"


def _origin(curve: pd.DataFrame, share: str, gains: list[str], keys: list[str]) -> pd.DataFrame:
    """The curves' implied (0, 0) point, once per key."""
    origin = curve.drop_duplicates(keys)[keys].assign(**{share: 0.0}, **dict.fromkeys(gains, 0.0))
    return pd.concat([origin, curve], ignore_index=True)


@figure("report_targeting_lift_by_decile")
def lift_by_decile(marts: Marts):
    lift = marts["lift_by_decile"]
    groups = domain_groups(lift["domain_group"], primary_domain(marts["domain_summary"]))
    shown = lift[lift["domain_group"].isin(groups)]
    bars = (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=alt.X(
                "score_decile:O",
                title="score decile of the scored test sessions (1 = top 10%)",
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset=alt.XOffset("domain_group:N", sort=groups),
            y=alt.Y("lift:Q", title="lift (decile conversion rate / base rate, ×)"),
            color=alt.Color(
                "domain_group:N", title="scored sessions of", sort=groups, scale=alt.Scale(scheme="tableau10")
            ),
            tooltip=[
                "domain_group",
                "score_decile",
                "sessions",
                alt.Tooltip("conversion_rate:Q", format=".1%"),
                alt.Tooltip("lift:Q", format=".2f"),
            ],
        )
    )
    return (bars + dashed_rule(1.0)).properties(width=FULL_WIDTH, height=HEIGHT)


@figure("report_targeting_gain_curve")
def gain_curve(marts: Marts):
    curve = marts["gain_curve"]
    groups = domain_groups(curve["domain_group"], primary_domain(marts["domain_summary"]))
    charts = []
    for group in groups:
        selected = _origin(
            curve[curve["domain_group"] == group],
            "targeted_share",
            ["cumulative_gain", "random_model_gain", "perfect_model_gain"],
            ["domain_group"],
        )
        long = selected.melt(
            id_vars=["targeted_share"],
            value_vars=["cumulative_gain", "perfect_model_gain", "random_model_gain"],
            var_name="curve",
            value_name="gain",
        )
        long["curve"] = long["curve"].map(
            {
                "cumulative_gain": "model",
                "perfect_model_gain": "perfect ranking",
                "random_model_gain": "random targeting",
            }
        )
        charts.append(
            alt.Chart(long)
            .mark_line(strokeWidth=2)
            .encode(
                x=alt.X("targeted_share:Q", axis=percent("share of scored sessions contacted, top scores first (%)")),
                y=alt.Y("gain:Q", axis=percent("share of all buying sessions reached (%)")),
                color=alt.Color("curve:N", title="curve", scale=CURVE_COLORS),
                strokeDash=REFERENCE_DASH,
                tooltip=["curve", alt.Tooltip("targeted_share:Q", format=".0%"), alt.Tooltip("gain:Q", format=".1%")],
            )
            .properties(title=group, width=HALF_WIDTH, height=HEIGHT)
        )
    return panels(charts)


def _roi_bars(roi: pd.DataFrame, category: str, order: list[str], color, who: str, x_title: str, tooltip: list):
    """ROI bars of contacting the top of each group's scored sessions, labelled with the ROI
    and the incremental revenue behind it, at the settings the mart was built with."""
    roi = roi.assign(
        label=[
            f"{roi_label(value)}, ${revenue:,.0f} revenue"
            for value, revenue in zip(roi["roi"], roi["incremental_revenue_usd"].fillna(0), strict=True)
        ]
    )
    fraction, cost = roi["target_fraction"].iloc[0], roi["cost_per_session_usd"].iloc[0]
    base = alt.Chart(roi).encode(
        x=alt.X(f"{category}:N", sort=order, title=x_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("roi:Q", title=ROI_TITLE),
    )
    bars = base.mark_bar().encode(color=color, tooltip=[*tooltip, alt.Tooltip("roi:Q", format=".2f")])
    text = base.mark_text(dy=-8, fontSize=11).encode(text="label:N")
    return (bars + text + dashed_rule(0.0)).properties(
        title=f"top {fraction:.0%} of each {who}'s scored sessions contacted at ${cost:.2f} each",
        width=FULL_WIDTH,
        height=HEIGHT,
    )


@figure("report_targeting_roi_by_domain")
def roi_by_domain(marts: Marts):
    roi = marts["targeting_roi"]
    return _roi_bars(
        roi,
        "domain_group",
        sorted(roi["domain_group"], key=lambda group: (group == ALL_NON_PRIMARY, group)),
        alt.condition(alt.datum.roi >= 0, alt.value("#4c78a8"), alt.value("#e45756")),
        "group",
        "scored test sessions of",
        [
            "domain_group",
            "sessions_targeted",
            alt.Tooltip("incremental_orders:Q", format=",.0f"),
            alt.Tooltip("incremental_revenue_usd:Q", format="$,.0f"),
            alt.Tooltip("cost_usd:Q", format="$,.0f"),
            alt.Tooltip("lift:Q", format=".2f"),
        ],
    )


def _edges(values: np.ndarray) -> tuple[dict[float, float], dict[float, float]]:
    """Cell edges of a log-spaced grid: geometric midpoints between neighbours, extended by half
    a step at both ends."""
    values = np.sort(np.unique(values))
    if len(values) == 1:
        return {values[0]: values[0] / 1.5}, {values[0]: values[0] * 1.5}
    mids = np.sqrt(values[:-1] * values[1:])
    lower = np.concatenate([[values[0] ** 2 / mids[0]], mids])
    upper = np.concatenate([mids, [values[-1] ** 2 / mids[-1]]])
    return dict(zip(values, lower, strict=True)), dict(zip(values, upper, strict=True))


@figure("report_targeting_roi_sensitivity")
def roi_sensitivity(marts: Marts):
    grid = marts["targeting_roi_sensitivity"]
    grid = grid[(grid["target_fraction"] > 0) & (grid["cost_per_session_usd"] > 0)]
    if grid.empty:
        raise NoData("targeting_roi_sensitivity has no positive fraction x cost cells to draw on log axes")
    groups = domain_groups(grid["domain_group"], primary_domain(marts["domain_summary"]))
    fraction_low, fraction_high = _edges(grid["target_fraction"].to_numpy())
    cost_low, cost_high = _edges(grid["cost_per_session_usd"].to_numpy())
    x_scale = alt.Scale(type="log", domain=[min(fraction_low.values()), max(fraction_high.values())], nice=False)
    # the break-even line may run above the priciest cost of the grid: the axis reaches it
    top = max(max(cost_high.values()), float(grid["break_even_cost_per_session_usd"].max()) * 1.25)
    y_scale = alt.Scale(type="log", domain=[min(cost_low.values()), top], nice=False)
    cost_ticks = sorted(cost_low) + [tick for tick in (10, 20, 50, 100, 200, 500, 1000) if max(cost_low) < tick <= top]
    limit = float(np.nanmax(np.abs(grid["roi"].to_numpy()))) or 1.0
    charts = []
    for group in groups:
        cells = grid[grid["domain_group"] == group].copy()
        cells["fraction_low"] = cells["target_fraction"].map(fraction_low)
        cells["fraction_high"] = cells["target_fraction"].map(fraction_high)
        cells["cost_low"] = cells["cost_per_session_usd"].map(cost_low)
        cells["cost_high"] = cells["cost_per_session_usd"].map(cost_high)
        cells["roi_label"] = cells["roi"].map(roi_label)
        heat = (
            alt.Chart(cells)
            .mark_rect(stroke="white")
            .encode(
                x=alt.X(
                    "fraction_low:Q",
                    scale=x_scale,
                    axis=alt.Axis(
                        format="%",
                        title="share of scored sessions contacted (%, log scale)",
                        values=sorted(fraction_low),
                    ),
                ),
                x2="fraction_high:Q",
                y=alt.Y(
                    "cost_low:Q",
                    scale=y_scale,
                    axis=alt.Axis(
                        format="$,.2f", title="cost per contacted session (USD, log scale)", values=cost_ticks
                    ),
                ),
                y2="cost_high:Q",
                color=alt.Color(
                    "roi:Q",
                    title=ROI_TITLE,
                    legend=alt.Legend(format=",.0f", orient="bottom", gradientLength=300, titleLimit=400),
                    scale=alt.Scale(scheme="redblue", domain=[-limit, limit], domainMid=0, type="symlog"),
                ),
                tooltip=[
                    alt.Tooltip("target_fraction:Q", format=".0%"),
                    alt.Tooltip("cost_per_session_usd:Q", format="$.2f"),
                    alt.Tooltip("roi:Q", format=".2f"),
                    alt.Tooltip("profit_usd:Q", format="$,.0f"),
                    alt.Tooltip("break_even_cost_per_session_usd:Q", format="$.2f"),
                ],
            )
        )
        # rect x/y encode the cell's lower edge: label at the grid value, which is the geometric centre
        text = (
            alt.Chart(cells)
            .mark_text(fontSize=10)
            .encode(
                x=alt.X("target_fraction:Q", scale=x_scale),
                y=alt.Y("cost_per_session_usd:Q", scale=y_scale),
                text="roi_label:N",
            )
        )
        even = cells.drop_duplicates("target_fraction")
        even = even[even["break_even_cost_per_session_usd"] > 0]
        line = (
            alt.Chart(even)
            .mark_line(color="black", strokeWidth=2.5, point=alt.OverlayMarkDef(color="black"), clip=True)
            .encode(
                x=alt.X("target_fraction:Q", scale=x_scale),
                y=alt.Y("break_even_cost_per_session_usd:Q", scale=y_scale),
                tooltip=[
                    alt.Tooltip("target_fraction:Q", format=".0%"),
                    alt.Tooltip("break_even_cost_per_session_usd:Q", format="$.2f"),
                ],
            )
        )
        charts.append(
            (heat + text + line).properties(
                title=f"{group} (black line: break-even cost per contact)", width=HALF_WIDTH, height=HEIGHT + 40
            )
        )
    return panels(charts).resolve_scale(color="shared")


@figure("report_targeting_roi_by_persona")
def roi_by_persona(marts: Marts):
    roi = marts["segment_targeting_roi"].copy()
    if roi["domain_name"].nunique() > 1:
        roi["persona"] = roi["domain_name"] + ": " + roi["persona"]
    return _roi_bars(
        roi,
        "persona",
        roi.sort_values("roi", ascending=False)["persona"].tolist(),
        PERSONA_COLOR,
        "persona",
        "persona",
        [
            "persona",
            "sessions_scored",
            "sessions_targeted",
            alt.Tooltip("lift:Q", format=".2f"),
            alt.Tooltip("avg_order_value_usd:Q", format="$.2f"),
            alt.Tooltip("incremental_revenue_usd:Q", format="$,.0f"),
        ],
    )


@figure("report_campaign_gain_curve")
def campaign_gain_curve(marts: Marts):
    curve = marts["campaign_gain_curve"]
    metrics = marts["campaign_model_metrics"]
    baselines = metrics[metrics["loss"].isna()].copy()
    baselines["targeted_share"] = baselines["users_flagged"] / baselines["users_evaluated"]
    losses = {"splc": "two-stage model, SPLC", "bce": "two-stage model, plain BCE"}
    scale = alt.Scale(
        domain=[*losses.values(), "perfect ranking", "random targeting"],
        range=["#1f77b4", "#9467bd", "#2ca02c", "#999999"],
    )
    charts = []
    for population in [name for name in POPULATIONS if name in set(curve["evaluated_population"])]:
        selected = _origin(
            curve[curve["evaluated_population"] == population],
            "targeted_share",
            ["cumulative_gain", "random_gain", "perfect_gain"],
            ["evaluated_population", "loss"],
        )
        models = selected.assign(curve=selected["loss"].map(losses), gain=selected["cumulative_gain"])
        references = selected[selected["loss"] == selected["loss"].min()]
        long = pd.concat(
            [
                models[["targeted_share", "curve", "gain"]],
                references.assign(curve="perfect ranking", gain=references["perfect_gain"])[
                    ["targeted_share", "curve", "gain"]
                ],
                references.assign(curve="random targeting", gain=references["random_gain"])[
                    ["targeted_share", "curve", "gain"]
                ],
            ]
        )
        lines = (
            alt.Chart(long)
            .mark_line(strokeWidth=2)
            .encode(
                x=alt.X("targeted_share:Q", axis=percent("share of each campaign's users targeted (%)")),
                y=alt.Y("gain:Q", axis=percent("share of truly prompted users reached (%)")),
                color=alt.Color("curve:N", title="curve", scale=scale, legend=alt.Legend(orient="bottom", columns=2)),
                strokeDash=REFERENCE_DASH,
                tooltip=["curve", alt.Tooltip("targeted_share:Q", format=".0%"), alt.Tooltip("gain:Q", format=".1%")],
            )
        )
        points = (
            alt.Chart(baselines[baselines["evaluated_population"] == population])
            .mark_point(
                shape="diamond",
                size=140,
                filled=True,
                color="#d62728",
            )
            .encode(
                x=alt.X("targeted_share:Q"),
                y=alt.Y("recall:Q"),
                shape=alt.Shape(
                    "segment:N",
                    title="RFM baseline (segment flagged)",
                    legend=alt.Legend(orient="bottom", columns=1, titleLimit=300),
                ),
                tooltip=[
                    "segment",
                    "users_flagged",
                    alt.Tooltip("recall:Q", format=".1%"),
                    alt.Tooltip("precision:Q", format=".1%"),
                ],
            )
        )
        charts.append(
            (lines + points).properties(title=f"test campaigns: {POPULATIONS[population]}", width=280, height=280)
        )
    if not charts:
        raise NoData("campaign_gain_curve has no evaluated population")
    return panels(charts, columns=3)
