"""Synthetic Comscore Web Behavior panel with known structure, for building and testing the pipeline.

The real panel (document 000) cannot be shipped, so this package generates one with the same
schema, the same quirks (UBIGINT ids beyond signed 64-bit, ``H:MM:SS`` times, unknown codes,
``site_session_id = 0`` on most transaction rows, exact duplicate rows) and marginals close to
the published figures (SPEC.md).  It also plants the latent structure the models are meant to
recover, and writes that ground truth to a separate ``truth/`` folder:

* four user types (dormant / occasional / frequent_browser / engaged_spender) that drive visit
  frequency, engagement, basket size and purchase recency, so k-means personas can find them;
* a pseudo-session (machine_id, event_date, domain_name) conversion model driven by the day's
  pages and duration, days since the last purchase, first referrer, hour, weekday and season,
  weaker and shifted on the four non-Amazon domains (imperfect cross-domain transfer);
* campaign exposures on amazon.com whose hidden intent is prompted (buys only because of the
  campaign), organic (buys in the window anyway) or none (document 004), where being prompted
  depends on pre-exposure behaviour that differs from the RFM "Champions" profile;
* repeat buying with a known dropout (issue 20): after each purchase day on a domain a customer
  lapses there for good with a probability drawn per (user, domain) from their type's Beta
  (``lapses``); the lapsed customer still visits but no longer buys there.

Files in ``--out`` (CSV with header, or Parquet): ``sessions``, ``transactions`` and
``campaign_exposures`` (campaign_id is VARCHAR, ``C<launch year>_<month>`` e.g. ``C2022_05``),
plus ``truth/user_types``, ``truth/campaign_intent`` and ``truth/repeat_behaviour`` (per (user,
domain): lapse probability, purchase days before the lapse, the lapse date and the last day the
household is active), which the pipeline reads for evaluation only.

Everything is vectorised numpy (no Python loop over users, days or sessions); tables are written
through DuckDB.  One seed gives identical files.  Usage::

    python -m shopper_propensity.panel --sessions 500000 --seed 7 --out data/panel [--format parquet] [--report]

A panel larger than memory (e.g. 138M session rows) is generated as independent household
shards appended to the same files, one shard in memory at a time: ``--shards 28``.

``--layout daily`` (or ``hive``) writes one file per table and date instead, ``--through DATE``
stops at a date, and ``--append-days N`` adds the next N dates to such a panel: the dates'
files are byte-identical however the dates are split between runs.

Modules: ``calibration`` (what the panel is calibrated to), ``scenarios`` (hostile conditions),
``simulate`` (households, visit days, visits, conversions), ``lapses`` (repeat buying),
``campaigns``, ``baskets``, ``generate`` (the tables, seeded streams, shards), ``contract``
(columns and types of each file), ``writers`` (files), ``report`` (generated vs reference
marginals), ``cli``.
"""

from shopper_propensity.panel.cli import main
from shopper_propensity.panel.contract import FORMATS, SCHEMAS
from shopper_propensity.panel.generate import generate_panel, generate_shards, shard_user_counts
from shopper_propensity.panel.report import REFERENCE, calibration_marginals, format_report
from shopper_propensity.panel.scenarios import SCENARIOS, Scenario
from shopper_propensity.panel.writers import panel_source_sql, write_panel, write_panel_shards

__all__ = [
    "FORMATS", "REFERENCE", "SCENARIOS", "SCHEMAS", "Scenario", "calibration_marginals", "format_report",
    "generate_panel", "generate_shards", "main", "panel_source_sql", "shard_user_counts", "write_panel",
    "write_panel_shards",
]
