"""Figures, one module per report section; each registers its drawing functions by exposure
name (figures.common.figure)."""

from __future__ import annotations

from . import eda, personas, propensity, quality, targeting  # noqa: F401  (each registers its figures)
from .common import DRAWERS


def check_drawers(specs) -> None:
    """Every exposure has a drawing function and every drawing function an exposure."""
    declared = {spec.name for spec in specs}
    missing = sorted(declared - DRAWERS.keys())
    orphans = sorted(DRAWERS.keys() - declared)
    if missing or orphans:
        raise ValueError(
            f"report figures out of step with the exposures: no drawing for {missing or 'none'}; "
            f"drawings without an exposure: {orphans or 'none'}"
        )
