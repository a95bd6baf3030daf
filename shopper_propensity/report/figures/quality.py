"""Data quality and model health: rows in = kept + duplicates + invalid, why rows were set
aside, and the model-health checks that fired."""

from __future__ import annotations

import altair as alt

from .common import FULL_WIDTH, HEIGHT, Marts, NoData, Table, figure

OUTCOMES = {"rows_kept": "kept", "rows_duplicate": "duplicate", "rows_invalid": "invalid"}
OUTCOME_COLORS = alt.Scale(domain=list(OUTCOMES.values()), range=["#54a24b", "#f58518", "#e45756"])


@figure("report_panel_row_accounting")
def panel_row_accounting(marts: Marts):
    accounting = marts["panel_row_accounting"].copy()
    accounting["table"] = [
        f"{table} ({rows:,.0f} rows in)"
        for table, rows in zip(accounting["source_table"], accounting["rows_in"], strict=True)
    ]
    # set-aside rows are often a sliver of the bar: spelled out beside it
    accounting["set_aside"] = [
        f"{duplicates:,.0f} duplicates, {invalid:,.0f} invalid ({(duplicates + invalid) / rows:.2%} set aside)"
        if rows
        else "no rows read"
        for duplicates, invalid, rows in zip(
            accounting["rows_duplicate"], accounting["rows_invalid"], accounting["rows_in"], strict=True
        )
    ]
    long = accounting.melt(
        id_vars=["table", "rows_in"], value_vars=list(OUTCOMES), var_name="outcome", value_name="rows"
    )
    long["outcome"] = long["outcome"].map(OUTCOMES)
    long["share"] = long["rows"] / long["rows_in"].where(long["rows_in"] > 0)
    y = alt.Y("table:N", title="panel table", axis=alt.Axis(labelLimit=320))
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("rows:Q", stack="normalize", axis=alt.Axis(format="%", title="share of the rows read (%)")),
            color=alt.Color(
                "outcome:N",
                title="row outcome",
                scale=OUTCOME_COLORS,
                sort=list(OUTCOMES.values()),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("outcome:N", sort="descending"),
            tooltip=["table", "outcome", alt.Tooltip("rows:Q", format=","), alt.Tooltip("share:Q", format=".3%")],
        )
    )
    notes = (
        alt.Chart(accounting)
        .mark_text(align="left", dx=8, fontSize=11)
        .encode(y=y, x=alt.datum(1.0), text="set_aside:N")
    )
    return (bars + notes).properties(width=FULL_WIDTH - 480, height=40 * len(accounting))


@figure("report_panel_rejects_by_reason")
def panel_rejects_by_reason(marts: Marts):
    reasons = marts["panel_reject_reasons"]
    return (
        alt.Chart(reasons)
        .mark_bar()
        .encode(
            y=alt.Y("reject_reason:N", sort="-x", title="reject reason", axis=alt.Axis(labelLimit=420)),
            x=alt.X("rejected_rows:Q", title="rows set aside (count)"),
            color=alt.Color("source_table:N", title="panel table", scale=alt.Scale(scheme="tableau10")),
            tooltip=["source_table", "reject_reason", alt.Tooltip("rejected_rows:Q", format=",")],
        )
        .properties(width=FULL_WIDTH - 440, height=max(HEIGHT // 3, 28 * reasons["reject_reason"].nunique()))
    )


@figure("report_model_health")
def model_health(marts: Marts):
    checks = marts["model_health"]
    if checks.empty:
        raise NoData("model_health has no rows: no model-health check ran")
    ordered = checks.sort_values("is_fired", ascending=False, kind="stable")
    highlighted = ordered["is_fired"].fillna(False).astype(bool).tolist()
    rows = ordered.astype(object).where(ordered.notna(), None).values.tolist()
    return Table(columns=list(ordered.columns), rows=rows, highlighted=highlighted)
