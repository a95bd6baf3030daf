"""The report in a real browser (issue 17): Debian's Chromium, headless, with the network cut
off. Every figure renders with data (SVG marks counted in the DOM) or says why there is none,
nothing is requested from outside the file, the console stays clean, and a full-page
screenshot is written next to the report (target/report/report_full_page.png).

Needs the served marts `make build` publishes (exports/serving.duckdb), and Chromium
(`apt-get install chromium`; .ci/run installs it; SHOPPER_CHROMIUM names another binary):
without a browser the test is skipped and says so. Playwright only drives the system browser;
it never downloads one.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from shopper_propensity.report.build import BuiltReport, build_report
from shopper_propensity.report.catalog import load_figure_specs
from shopper_propensity.report.marts import read_marts
from shopper_propensity.serving import serving_file

REPO_ROOT = Path(__file__).resolve().parents[2]
# Debian's chromium; SHOPPER_CHROMIUM points elsewhere (another distribution's binary)
CHROMIUM = Path(os.environ.get("SHOPPER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
REPORT_DIR = REPO_ROOT / "target" / "report"
SCREENSHOT = REPORT_DIR / "report_full_page.png"
# Chromium as root needs --no-sandbox; the rest stops its background traffic (updates, sync)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
# A mart the report reads is an aggregate: bounded by domains x models x bins, never by sessions.
MAX_MART_ROWS = 20_000
CAMPAIGN_MARTS = ("campaign_gain_curve", "campaign_model_metrics")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) to open the report",
)


@dataclass
class OpenedPage:
    figures: dict[str, dict]
    console: list[tuple[str, str]]
    page_errors: list[str]
    outside_requests: list[str]


def _serving() -> Path:
    path = serving_file() if serving_file().is_absolute() else REPO_ROOT / serving_file()
    if not path.exists():
        pytest.fail(f"{path}: no served marts; `make test` builds them first (or run `make build`)")
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def report() -> BuiltReport:
    return build_report(_serving(), REPORT_DIR, REPO_ROOT)


def _open(
    browser, report_path: Path, screenshot: Path | None = None, element_shots: dict[str, Path] | None = None
) -> OpenedPage:
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console, page_errors, outside = [], [], []
    page.on("console", lambda message: console.append((message.type, message.text)))
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    def only_the_file(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_file)
    page.goto(report_path.resolve().as_uri())
    page.wait_for_selector("body[data-report-state=done]", timeout=120_000)
    found = page.evaluate("""() => Object.fromEntries(
        Array.from(document.querySelectorAll("figure.report-figure")).map((figure) => [figure.id, {
            kind: figure.dataset.kind,
            state: (figure.querySelector(".chart") || {dataset: {}}).dataset.state || null,
            marks: figure.querySelectorAll("svg .role-mark > *").length,
            axis_titles: Array.from(figure.querySelectorAll("svg .role-axis-title text"))
                .filter((title) => title.textContent.trim()).length,
            table_rows: figure.querySelectorAll("table.report-table tbody tr").length,
            highlighted_rows: figure.querySelectorAll("table.report-table tbody tr.highlighted").length,
            no_data: (figure.querySelector(".no-data") || {textContent: null}).textContent,
            title: figure.querySelector("h3").textContent,
            caption: figure.querySelector("figcaption").textContent,
        }]))""")
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    for figure_id, path in (element_shots or {}).items():
        page.locator(f"#{figure_id}").screenshot(path=str(path))
    context.close()
    return OpenedPage(found, console, page_errors, outside)


def _assert_clean(opened: OpenedPage) -> None:
    assert not opened.outside_requests, f"the report asked for {opened.outside_requests}"
    assert not opened.page_errors, opened.page_errors
    noisy = [(kind, text) for kind, text in opened.console if kind in ("error", "warning")]
    assert not noisy, f"console errors / warnings: {noisy}"


def _relation_rows(serving: Path, name: str) -> int | None:
    with duckdb.connect(str(serving), read_only=True) as connection:
        schemas = connection.execute(
            "select table_schema from information_schema.tables where table_name = ?", [name]
        ).fetchall()
        if not schemas:
            return None
        return connection.sql(f'select count(*) from "{schemas[0][0]}"."{name}"').fetchone()[0]


def test_report_renders_every_figure_offline_in_chromium(browser, report):
    SCREENSHOT.unlink(missing_ok=True)
    opened = _open(browser, report.path, screenshot=SCREENSHOT)
    _assert_clean(opened)
    assert SCREENSHOT.stat().st_size > 100_000, "the full-page screenshot is missing or blank"

    serving = _serving()
    assert set(opened.figures) == {figure.spec.name for figure in report.figures}
    for figure in report.figures:
        name, found = figure.spec.name, opened.figures[figure.spec.name]
        assert found["title"] == figure.spec.title and figure.spec.caption in found["caption"], name
        for mart, rows in figure.mart_rows.items():
            assert rows is None or rows <= MAX_MART_ROWS, f"{name} reads {rows:,} rows of {mart}: not an aggregate"
        if figure.kind == "chart":
            assert found["state"] == "rendered", f"{name}: {found}"
            assert found["marks"] > 0, f"{name} rendered no marks"
            assert found["axis_titles"] >= 2, f"{name} has fewer than two axis titles"
        elif figure.kind == "table":
            assert found["table_rows"] > 0, name
        else:
            # 'no data' only where the served marts really lack the data, and it says why
            assert found["no_data"] == f"no data: {figure.content}", name
            declared = [_relation_rows(serving, mart) for mart in figure.spec.marts]
            assert any(rows in (None, 0) for rows in declared), (
                f"{name} shows no data but its marts have rows: {declared}"
            )


def test_empty_campaign_marts_and_fired_health_checks(browser, tmp_path):
    """A panel without campaign exposures builds the campaign marts empty: their figure says so
    in place of a chart, the rest of the page still renders. Fired model-health checks are
    listed first and highlighted."""
    specs = load_figure_specs(REPO_ROOT)
    frames = read_marts(_serving(), sorted({name for spec in specs for name in spec.marts}))
    copy = tmp_path / "no_campaigns.duckdb"
    with duckdb.connect(str(copy)) as connection:
        for name, frame in frames.items():
            if frame is None or name == "model_health":
                continue
            connection.register("frame", frame.iloc[0:0] if name in CAMPAIGN_MARTS else frame)
            connection.sql(f'create table "{name}" as select * from frame')
            connection.unregister("frame")
        connection.sql("""create table model_health as select * from (values
            ('validation_auc_near_chance', 'xgboost', 0.74, 0.55, false, 'quiet'),
            ('threshold_flags_too_many', 'xgboost on test', 0.97, 0.5, true, 'flags 97% of sessions')
        ) as checks(check_name, subject, observed_value, limit_value, is_fired, message)""")
    built = build_report(copy, tmp_path / "report", REPO_ROOT)
    shot = REPORT_DIR / "report_campaign_no_data.png"
    opened = _open(browser, built.path, element_shots={"report_campaign_gain_curve": shot})
    _assert_clean(opened)

    campaign = opened.figures["report_campaign_gain_curve"]
    assert campaign["kind"] == "no-data" and campaign["marks"] == 0
    assert campaign["no_data"].startswith("no data: campaign_gain_curve has no rows: the campaign models build empty")
    health = opened.figures["report_model_health"]
    assert health["kind"] == "table" and health["table_rows"] == 2 and health["highlighted_rows"] == 1
    others = [
        found
        for name, found in opened.figures.items()
        if name not in ("report_campaign_gain_curve", "report_model_health")
    ]
    assert all(found["state"] == "rendered" and found["marks"] > 0 for found in others)
    assert shot.exists()
