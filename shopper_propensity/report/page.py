"""The report page: one self-contained HTML file. Vega, Vega-Lite and vega-embed are inlined
(vl-convert's bundle), every chart's spec and data are embedded, and nothing is fetched when
the page is viewed. Charts render as SVG so a browser test can count their marks."""

from __future__ import annotations

import functools
import html
import json
from dataclasses import dataclass

import altair as alt
import vl_convert

from .catalog import FigureSpec
from .figures.common import Table

# Section key (exposure config.meta.section) -> heading and what the section answers.
SECTIONS = {
    "data": (
        "Data and EDA",
        "The panel by domain, what orders look like, and which behaviours go with buying (document 000 §5).",
    ),
    "personas": (
        "Personas",
        "k-means personas on user RFM and engagement: how k was chosen and what sets each persona apart "
        "(document 000 §6, documents 002 and 003).",
    ),
    "propensity": (
        "Propensity",
        "Session purchase propensity: the candidate models on the test period, the primary model's features, "
        "thresholds and transfer to other domains (document 000 §7).",
    ),
    "targeting": (
        "Targeting",
        "What the scores buy: lift, gain and ROI of contacting the top-scored sessions, and the two-stage "
        "campaign model against RFM segments (document 000 §8, document 004).",
    ),
    "quality": (
        "Data quality and model health",
        "Rows in = kept + duplicates + invalid, why rows were set aside, and the model-health checks that fired.",
    ),
}

# Shared look of every chart (vega-embed applies it to each spec).
CHART_CONFIG = {
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": "normal"},
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 320},
    "title": {"fontSize": 13, "anchor": "start", "fontWeight": "normal"},
}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222;
       background: #fafafa; }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin-bottom: 4px; }
h2 { font-size: 21px; border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 40px; }
h3 { font-size: 16px; margin: 0 0 8px 0; }
nav ol { columns: 2; font-size: 14px; }
.section-intro { color: #555; }
figure.report-figure { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; margin: 18px 0;
                       padding: 16px; }
figcaption { margin-top: 8px; font-size: 14px; }
figcaption .provenance { display: block; color: #777; font-size: 12px; margin-top: 4px; }
.no-data { padding: 28px; background: #f4f4f4; color: #555; border: 1px dashed #bbb; border-radius: 4px;
           font-size: 15px; }
table.report-table { border-collapse: collapse; font-size: 13px; }
table.report-table th, table.report-table td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; }
table.report-table tr.highlighted td { background: #fde8e8; }
"""

EMBED_SCRIPT = """
const specs = JSON.parse(document.getElementById("report-specs").textContent);
const config = JSON.parse(document.getElementById("report-chart-config").textContent);
const jobs = Object.entries(specs).map(([name, spec]) => {
  const target = document.querySelector(`[data-figure="${name}"]`);
  return window.vegaEmbed(target, spec, {renderer: "svg", actions: false, config: config})
    .then(() => { target.dataset.state = "rendered"; })
    .catch((error) => { target.dataset.state = "failed"; console.error(`figure ${name} failed to render: ${error}`); });
});
Promise.all(jobs).then(() => { document.body.dataset.reportState = "done"; });
"""


@dataclass(frozen=True)
class RenderedFigure:
    """A figure ready for the page: a chart spec, a table, or the reason there is no data."""

    spec: FigureSpec
    kind: str  # chart | table | no-data
    content: object  # Vega-Lite spec dict | Table | reason text
    mart_rows: dict[str, int | None]


@functools.cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite (the version Altair writes) and vega-embed as one inline script (built
    once per process: it takes vl-convert a second or two)."""
    major_minor = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    return vl_convert.javascript_bundle(vl_version=major_minor)


def render_page(figures: list[RenderedFigure], bundle: str, source: str) -> str:
    """The whole HTML document."""
    specs = {figure.spec.name: figure.content for figure in figures if figure.kind == "chart"}
    body = [_header(figures, source)]
    for key, (heading, intro) in SECTIONS.items():
        members = [figure for figure in figures if figure.spec.section == key]
        if not members:
            continue
        body.append(f'<section id="section-{key}"><h2>{html.escape(heading)}</h2>')
        body.append(f'<p class="section-intro">{html.escape(intro)}</p>')
        body.extend(_figure(figure) for figure in members)
        body.append("</section>")
    unknown = sorted({figure.spec.section for figure in figures} - SECTIONS.keys())
    if unknown:
        raise ValueError(f"exposures name sections the report does not have: {', '.join(unknown)}")
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<title>shopper_propensity report</title>",
            f"<style>{STYLE}</style></head>",
            '<body data-report-state="loading">',
            *body,
            "</main>",
            f'<script type="application/json" id="report-specs">{_script_json(specs)}</script>',
            f'<script type="application/json" id="report-chart-config">{_script_json(CHART_CONFIG)}</script>',
            f'<script type="module">{_script_text(bundle)}</script>',
            f'<script type="module">{EMBED_SCRIPT}</script>',
            "</body></html>",
        ]
    )


def _header(figures: list[RenderedFigure], source: str) -> str:
    drawn = sum(figure.kind != "no-data" for figure in figures)
    toc = "".join(f'<li><a href="#{figure.spec.name}">{html.escape(figure.spec.title)}</a></li>' for figure in figures)
    return (
        "<header><h1>shopper_propensity report</h1>"
        f"<p>Figures drawn from the marts of <code>{html.escape(source)}</code>: {drawn} of {len(figures)} "
        "with data. Each figure is a dbt exposure (models/exposures/_report__exposures.yml) naming the marts it "
        "reads.</p>"
        f"<nav><ol>{toc}</ol></nav></header><main>"
    )


def _figure(figure: RenderedFigure) -> str:
    spec = figure.spec
    if figure.kind == "chart":
        inner = f'<div class="chart" data-figure="{spec.name}"></div>'
    elif figure.kind == "table":
        inner = _table(figure.content)
    else:
        inner = f'<div class="no-data" role="status">no data: {html.escape(str(figure.content))}</div>'
    reads = (
        ", ".join(
            f"{name} ({'absent' if rows is None else f'{rows:,} rows'})" for name, rows in figure.mart_rows.items()
        )
        or "nothing"
    )
    answers = f" · answers {html.escape(spec.seed_figure)}" if spec.seed_figure else ""
    return (
        f'<figure class="report-figure" id="{spec.name}" data-kind="{figure.kind}">'
        f"<h3>{html.escape(spec.title)}</h3>{inner}"
        f"<figcaption>{html.escape(spec.caption)}"
        f'<span class="provenance">reads {html.escape(reads)}{answers}</span></figcaption></figure>'
    )


def _table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(str(column))}</th>" for column in table.columns)
    rows = []
    for row, highlighted in zip(table.rows, table.highlighted, strict=True):
        cells = "".join(f"<td>{html.escape('' if value is None else str(value))}</td>" for value in row)
        rows.append(f'<tr class="{"highlighted" if highlighted else "plain"}">{cells}</tr>')
    return f'<table class="report-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _script_json(value: object) -> str:
    return _script_text(json.dumps(value, sort_keys=True, allow_nan=False))


def _script_text(text: str) -> str:
    # a literal "</script" would end the element early
    return text.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
