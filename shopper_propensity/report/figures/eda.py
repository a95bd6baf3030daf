"""Data and EDA (document 000 Figs. 1, 4-9): the panel by domain, what orders look like, and
which behaviours go with buying."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .common import FULL_WIDTH, HALF_WIDTH, HEIGHT, Marts, figure, panels, percent, rows_where

DOMAIN_COLOR = alt.Color("domain_name:N", title="domain", scale=alt.Scale(scheme="tableau10"))


@figure("report_users_and_sessions_by_domain")
def users_and_sessions_by_domain(marts: Marts):
    summary = marts["domain_summary"]

    def bars(column: str, title: str, share: str) -> alt.LayerChart:
        base = alt.Chart(summary).encode(
            x=alt.X(
                "domain_name:N",
                sort=summary.sort_values(column, ascending=False)["domain_name"].tolist(),
                title="domain",
            ),
            y=alt.Y(f"{column}:Q", title=title),
        )
        shares = base.mark_text(dy=-7, fontSize=11).encode(text=alt.Text(f"{share}:Q", format=".0%"))
        return (base.mark_bar().encode(color=DOMAIN_COLOR) + shares).properties(width=HALF_WIDTH, height=HEIGHT)

    return panels(
        [
            bars("users", "users (distinct machines)", "share_of_panel_users").properties(
                title="(a) users; label = share of panel users"
            ),
            bars("sessions", "sessions (visits)", "share_of_panel_sessions").properties(
                title="(b) sessions; label = share of panel visits"
            ),
        ]
    )


@figure("report_basket_total_distribution")
def basket_total_distribution(marts: Marts):
    histogram = marts["order_value_histogram"]
    # drawn as steps from each bin's lower edge; the open top bin is drawn one bin wide
    width = (histogram["bin_upper_usd"] - histogram["bin_lower_usd"]).dropna().max()
    ends = histogram.sort_values("bin_order").groupby("domain_name", as_index=False).last()
    ends["bin_lower_usd"] = ends["bin_upper_usd"].fillna(ends["bin_lower_usd"] + width)
    steps = pd.concat([histogram, ends], ignore_index=True)
    return (
        alt.Chart(steps)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("bin_lower_usd:Q", title="basket total (USD, $10 bins; the last bin holds $600 and above)"),
            y=alt.Y("share_of_orders:Q", axis=percent("share of the domain's orders (%)")),
            color=DOMAIN_COLOR,
            tooltip=[
                "domain_name",
                "bin_lower_usd",
                "bin_upper_usd",
                "orders",
                alt.Tooltip("cumulative_share_of_orders:Q", format=".1%"),
            ],
        )
        .properties(width=FULL_WIDTH, height=HEIGHT)
    )


@figure("report_distinct_products_per_order")
def distinct_products_per_order(marts: Marts):
    sizes = rows_where(marts["order_size_distribution"], "order_size_distribution", dimension_name="distinct_products")
    return (
        alt.Chart(sizes)
        .mark_bar()
        .encode(
            x=alt.X(
                "bucket:N",
                sort=alt.EncodingSortField("bucket_order"),
                title="distinct products in the order (count)",
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset="domain_name:N",
            y=alt.Y("share_of_orders:Q", axis=percent("share of the domain's orders (%)")),
            color=DOMAIN_COLOR,
            tooltip=["domain_name", "bucket", "orders", alt.Tooltip("share_of_orders:Q", format=".1%")],
        )
        .properties(width=FULL_WIDTH, height=HEIGHT)
    )


def _conversion_lines(rates: pd.DataFrame, dimension: str, x_title: str, width: int, mark: str = "line"):
    selected = rows_where(rates, "conversion_rates_by_dimension", dimension_name=dimension)
    base = alt.Chart(selected).encode(
        x=alt.X("bucket:N", sort=alt.EncodingSortField("bucket_order"), title=x_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("conversion_rate:Q", axis=percent("conversion rate (% of user-days with a purchase)")),
        color=DOMAIN_COLOR,
        tooltip=["domain_name", "bucket", "pseudo_sessions", alt.Tooltip("conversion_rate:Q", format=".1%")],
    )
    drawn = base.mark_line(point=True) if mark == "line" else base.mark_bar().encode(xOffset="domain_name:N")
    return drawn.properties(width=width, height=HEIGHT)


def _conversion_panels(marts: Marts, *panels_spec: tuple[str, str, str]):
    """Side-by-side conversion panels, one per (dimension, x-axis title, panel title)."""
    rates = marts["conversion_rates_by_dimension"]
    return panels(
        [
            _conversion_lines(rates, dimension, x_title, HALF_WIDTH).properties(title=title)
            for dimension, x_title, title in panels_spec
        ]
    )


@figure("report_conversion_by_engagement")
def conversion_by_engagement(marts: Marts):
    return _conversion_panels(
        marts,
        ("pages_viewed", "pages viewed that day (pages)", "(a) pages viewed"),
        ("duration", "time on the domain that day (minutes)", "(b) time on site"),
    )


def _history_panel(history: pd.DataFrame, feature: str, x_axis: alt.Axis, title: str, log: bool = False):
    selected = rows_where(history, "session_history_distribution", feature_name=feature)[
        ["domain_name", "bin_lower", "bin_upper", "pseudo_sessions", "conversion_rate", "share_of_pseudo_sessions"]
    ]
    y_title = "share of the domain's user-days (%" + (", log scale)" if log else ")")
    return (
        alt.Chart(selected)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("bin_lower:Q", axis=x_axis),
            y=alt.Y(
                "share_of_pseudo_sessions:Q", axis=percent(y_title), scale=alt.Scale(type="log" if log else "linear")
            ),
            color=DOMAIN_COLOR,
            tooltip=[
                "domain_name",
                "bin_lower",
                "bin_upper",
                "pseudo_sessions",
                alt.Tooltip("conversion_rate:Q", format=".1%"),
            ],
        )
        .properties(title=title)
    )


@figure("report_recency_distribution")
def recency_distribution(marts: Marts):
    history = marts["session_history_distribution"]
    return panels(
        [
            _history_panel(
                history,
                "days_since_last_session",
                alt.Axis(title="days since the previous visit day (days, 7-day bins)"),
                "(a) days since the last visit",
                log=True,
            ).properties(width=HALF_WIDTH, height=HEIGHT),
            _history_panel(
                history,
                "days_since_last_purchase",
                alt.Axis(title="days since the previous purchase (days, 7-day bins)"),
                "(b) days since the last purchase",
                log=True,
            ).properties(width=HALF_WIDTH, height=HEIGHT),
        ]
    )


@figure("report_historical_conversion_rate")
def historical_conversion_rate(marts: Marts):
    return _history_panel(
        marts["session_history_distribution"],
        "historical_conversion_rate",
        alt.Axis(format="%", title="share of the user's earlier visit days with a purchase (%, 5-point bins)"),
        "historical conversion rate of the user before that day",
    ).properties(width=FULL_WIDTH, height=HEIGHT)


@figure("report_conversion_by_referrer")
def conversion_by_referrer(marts: Marts):
    return _conversion_lines(
        marts["conversion_rates_by_dimension"],
        "referrer_bucket",
        "referrer of the day's first visit (type)",
        FULL_WIDTH,
        mark="bar",
    )


@figure("report_conversion_by_time")
def conversion_by_time(marts: Marts):
    return _conversion_panels(
        marts,
        ("hour_of_day", "hour of the day's first visit (UTC, 0-23)", "(a) hour of day"),
        ("day_of_week", "day of week", "(b) weekday"),
    )
