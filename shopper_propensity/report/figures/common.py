"""What every figure module shares: the registry of drawing functions, the no-data signal, the
table figure, and the few conventions (primary domain and model, labels, sizes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd

from shopper_propensity.domain_groups import ALL_NON_PRIMARY

Marts = Mapping[str, "pd.DataFrame | None"]

FULL_WIDTH = 860
HALF_WIDTH = 390
THIRD_WIDTH = 250
HEIGHT = 280
# one colour per persona in every figure that shows personas
PERSONA_COLOR = alt.Color("persona:N", title="persona", scale=alt.Scale(scheme="set2"))


class NoData(Exception):
    """The figure has nothing to draw; the message says why and is shown in its place."""


@dataclass(frozen=True)
class Table:
    """A figure that is a table (e.g. model-health checks); highlighted rows come first."""

    columns: list[str]
    rows: list[list[object]]
    highlighted: list[bool]


DRAWERS: dict[str, Callable[[Marts], object]] = {}


def figure(name: str):
    """Register the drawing function of the exposure `name`."""

    def register(draw: Callable[[Marts], object]):
        if name in DRAWERS:
            raise ValueError(f"two drawing functions for {name}")
        DRAWERS[name] = draw
        return draw

    return register


def rows_where(frame: pd.DataFrame, what: str, **equals: object) -> pd.DataFrame:
    """Rows of `frame` whose columns equal the given values; NoData naming `what` when none."""
    selected = frame
    for column, value in equals.items():
        selected = selected[selected[column] == value]
    if selected.empty:
        wanted = ", ".join(f"{column} = {value}" for column, value in equals.items())
        raise NoData(f"{what} has no rows with {wanted}")
    return selected.copy()


def primary_domain(domain_summary: pd.DataFrame) -> str:
    primary = domain_summary.loc[domain_summary["is_primary_domain"].astype(bool), "domain_name"]
    if primary.empty:
        raise NoData("domain_summary marks no primary domain (var primary_domain is not in the panel)")
    return str(primary.iloc[0])


def champion_model(registry: pd.DataFrame) -> str:
    champion = registry.loc[registry["is_champion"].astype(bool), "model_name"]
    if champion.empty:
        raise NoData("propensity_models marks no champion")
    return str(champion.iloc[0])


def model_labels(registry: pd.DataFrame) -> dict[str, str]:
    """Legend label per model: the champion (whose scores the targeting marts use) and the
    reference XGBoost are marked."""
    champion = champion_model(registry)
    reference = set(registry.loc[registry["is_reference_model"].astype(bool), "model_name"])
    labels = {}
    for name in registry["model_name"]:
        marks = [mark for mark, holds in (("champion", name == champion), ("reference", name in reference)) if holds]
        labels[name] = f"{name} ({', '.join(marks)})" if marks else name
    return labels


def domain_groups(groups: pd.Series, primary: str) -> list[str]:
    """The primary domain and, when scored, all non-primary domains together: the two groups
    the reference study reports (document 000 §7.5, §8)."""
    present = set(groups)
    chosen = [group for group in (primary, ALL_NON_PRIMARY) if group in present]
    if not chosen:
        raise NoData(f"no rows for {primary} or {ALL_NON_PRIMARY}")
    return chosen


def percent(title: str) -> alt.Axis:
    return alt.Axis(format="%", title=title)


def dashed_rule(value: float, axis: str = "y") -> alt.Chart:
    """A reference line at `value` (e.g. lift 1, ROI 0); a datum, so it adds no axis title."""
    return (
        alt.Chart(pd.DataFrame({"reference": [value]}))
        .mark_rule(strokeDash=[5, 4], color="#444")
        .encode(**{axis: alt.datum(value)})
    )


def panels(charts: list[alt.TopLevelMixin], columns: int = 2) -> alt.TopLevelMixin:
    """Panels side by side (wrapped after `columns`), one shared colour legend."""
    if len(charts) == 1:
        return charts[0]
    return alt.concat(*charts, columns=columns).resolve_scale(color="shared")
