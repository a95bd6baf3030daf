"""Build the report: read the marts the exposures name, draw each figure, write the page."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import figures
from .catalog import FigureSpec, load_figure_specs
from .figures.common import NoData, Table
from .marts import read_marts
from .page import RenderedFigure, javascript_bundle, render_page

REPORT_FILE = "index.html"


@dataclass(frozen=True)
class BuiltReport:
    path: Path
    figures: list[RenderedFigure]
    seconds: float


def build_report(serving: Path, out_dir: Path, project_dir: Path) -> BuiltReport:
    """Write `out_dir`/index.html from the served marts and return what was drawn."""
    started = time.perf_counter()
    specs = load_figure_specs(project_dir)
    figures.check_drawers(specs)
    marts = read_marts(serving, sorted({name for spec in specs for name in spec.marts}))
    rendered = [draw_figure(spec, marts) for spec in specs]
    page = render_page(rendered, javascript_bundle(), source=Path(serving).name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_FILE
    path.write_text(page, encoding="utf-8")
    return BuiltReport(path=path, figures=rendered, seconds=time.perf_counter() - started)


def draw_figure(spec: FigureSpec, marts: dict[str, pd.DataFrame | None]) -> RenderedFigure:
    """One figure from its marts; a missing or empty mart, or the drawing's own NoData, gives a
    'no data' figure that says why."""
    frames = {name: marts.get(name) for name in spec.marts}
    mart_rows = {name: None if frame is None else len(frame) for name, frame in frames.items()}
    try:
        for name in spec.marts:
            if frames[name] is None:
                raise NoData(f"{name} is not among the served marts; build it with `dbt build`")
            if frames[name].empty:
                raise NoData(f"{name} has no rows: {spec.empty_reason}")
        drawn = figures.DRAWERS[spec.name](frames)
    except NoData as reason:
        return RenderedFigure(spec, "no-data", str(reason), mart_rows)
    if isinstance(drawn, Table):
        return RenderedFigure(spec, "table", drawn, mart_rows)
    return RenderedFigure(spec, "chart", drawn.to_dict(), mart_rows)
