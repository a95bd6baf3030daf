"""The panel's tables from the simulation stages, each stage on its own seeded stream; and the
household shards of a panel larger than memory."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from shopper_propensity.panel.baskets import Items, catalog, simulate_items
from shopper_propensity.panel.calibration import (
    AMAZON,
    CATEGORY_IDS,
    DOMAINS,
    DUPLICATE_RATE,
    EPOCH_DAY,
    MACHINE_ID_BASE,
    NULL_CODE,
    ROWS_PER_USER,
    TIME_LABELS,
    USER_TYPES,
    referrer_vocabulary,
)
from shopper_propensity.panel.campaigns import (
    CAMPAIGN_IDS,
    CHANNEL_REFERRER,
    CHANNELS,
    INTENTS,
    PROMPTED_SPEND_SHIFT,
    Exposures,
    run_campaigns,
)
from shopper_propensity.panel.lapses import draw_lapses, with_lapse_days
from shopper_propensity.panel.scenarios import SCENARIOS, Scenario
from shopper_propensity.panel.simulate import (
    Days,
    Users,
    Visits,
    draw_conversions,
    draw_users,
    draw_visit_days,
    simulate_visits,
)

# A new stream goes last: SeedSequence.spawn gives the earlier streams the same seeds as before.
RNG_STREAMS = ("users", "days", "visits", "conversion", "campaigns", "prompted_visits", "items", "duplicates",
               "lapses")


def _concat_days(a: Days, b: Days) -> Days:
    return Days(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in Days.__dataclass_fields__))


def _concat_visits(a: Visits, b: Visits, n_days_a: int) -> Visits:
    """Visits of two day sets, re-pointing b's row and day indices past a's."""
    offsets = {"day_of": n_days_a, "starts": len(a.day_of)}
    return Visits(**{f: np.concatenate([getattr(a, f), getattr(b, f) + offsets.get(f, 0)])
                     for f in Visits.__dataclass_fields__})


def _labels(indices: np.ndarray, labels) -> pa.DictionaryArray:
    """Dictionary-encoded strings (cheap for millions of rows); NULL_CODE becomes NULL."""
    null = indices == NULL_CODE
    codes = pa.array(np.where(null, 0, indices).astype(np.int32), mask=null)
    return pa.DictionaryArray.from_arrays(codes, pa.array(list(labels), pa.string()))


def _dates(day: np.ndarray) -> pa.Array:
    null = day == NULL_CODE
    return pa.array((day + EPOCH_DAY).astype(np.int32), mask=null).cast(pa.date32())


def _nullable(values: np.ndarray) -> pa.Array:
    return pa.array(values, mask=values == NULL_CODE)


_DOMAIN_IDS = np.array([d.domain_id for d in DOMAINS], dtype=np.uint64)  # exact: ids exceed int64
_DOMAIN_NAMES = [d.name for d in DOMAINS]


def _sessions_table(users: Users, days: Days, visits: Visits) -> pa.Table:
    user = days.user[visits.day_of]
    domain = days.domain[visits.day_of]
    demographics = {col: _nullable(values[user]) for col, values in users.demographics.items()}
    return pa.table({
        "machine_id": users.machine_id[user],
        "site_session_id": visits.site_session_id,
        "user_session_id": visits.user_session_id,
        "domain_id": _DOMAIN_IDS[domain],
        "ref_domain__name": _labels(visits.referrer, referrer_vocabulary()[0]),
        "pages_viewed": visits.pages,
        "duration": visits.duration,
        "event_date": _dates(days.day[visits.day_of]),
        "event_time": _labels(visits.time, TIME_LABELS),
        **demographics,
        "domain_name": _labels(domain, _DOMAIN_NAMES),
    })


def _transactions_table(users: Users, days: Days, items: Items) -> pa.Table:
    domain = days.domain[items.day_of]
    return pa.table({
        "machine_id": users.machine_id[days.user[items.day_of]],
        "site_session_id": items.site_session_id,
        "prod_category_id": CATEGORY_IDS[items.category],
        "prod_name": _labels(items.product, catalog()[0]),
        "domain_id": _DOMAIN_IDS[domain],
        "prod_qty": items.qty,
        "prod_totprice": items.line_total,
        "basket_tot": items.basket_total,
        "event_date": _dates(days.day[items.day_of]),
        "event_time": _labels(items.time, TIME_LABELS),
        "domain_name": _labels(domain, _DOMAIN_NAMES),
    })


def _with_duplicates(rng: np.random.Generator, table: pa.Table) -> pa.Table:
    """Append exact copies of a few rows (at least one), as real exports re-send rows."""
    n_copies = min(table.num_rows, max(1, round(DUPLICATE_RATE * table.num_rows)))
    copies = np.sort(rng.choice(table.num_rows, n_copies, replace=False))
    return pa.concat_tables([table, table.take(copies)])


def user_count(n_sessions: int, rows_per_user: float = ROWS_PER_USER) -> int:
    """Households for about `n_sessions` session rows (rows_per_user each, at least one)."""
    return max(1, round(n_sessions / rows_per_user))


def generate_panel(n_sessions: int = 500_000, seed: int = 7, scenario: str = "default") -> dict[str, pa.Table]:
    """All panel and truth tables, keyed by their path under the output folder (no extension).

    Users scale with the requested sessions (the scenario's rows_per_user); the session row
    count lands within a few percent of `n_sessions` for the default scenario.  Each stage has
    its own seeded stream, so changing one stage does not reshuffle the others.
    """
    chosen = SCENARIOS[scenario]
    return _generate(user_count(n_sessions, chosen.rows_per_user), np.random.SeedSequence(seed), MACHINE_ID_BASE,
                     chosen)


def _generate(n_users: int, root: np.random.SeedSequence, machine_id_base: int,
              scenario: Scenario = SCENARIOS["default"]) -> dict[str, pa.Table]:
    """The tables of `n_users` households drawn from the stage streams spawned by `root`."""
    rngs = dict(zip(RNG_STREAMS, (np.random.default_rng(s) for s in root.spawn(len(RNG_STREAMS))), strict=True))
    users = draw_users(rngs["users"], n_users, machine_id_base)
    days = draw_visit_days(rngs["days"], users, scenario)
    visits = simulate_visits(rngs["visits"], days, users)
    lapses = draw_lapses(rngs["lapses"], days, users)
    converted = draw_conversions(rngs["conversion"], days, visits, users, scenario, lapses)
    lapses = with_lapse_days(lapses, converted, days.day)
    exposures = run_campaigns(rngs["campaigns"], users, days, converted)
    if scenario.single_visit:  # a campaign purchase would be a second visit
        exposures = Exposures(*(getattr(exposures, f)[:0] for f in Exposures.__dataclass_fields__))

    # Prompted purchases: an extra amazon.com visit (referred by the campaign channel) that buys.
    prompted = exposures.purchase_day != NULL_CODE
    prompted_days = Days(user=exposures.user[prompted], domain=np.full(prompted.sum(), AMAZON, np.int8),
                         day=exposures.purchase_day[prompted].astype(np.int32))
    vocab = referrer_vocabulary()[0]
    channel_referrer = np.array([vocab.index(r) for r in CHANNEL_REFERRER], dtype=np.int32)
    prompted_visits = simulate_visits(rngs["prompted_visits"], prompted_days, users,
                                       channel_referrer[exposures.channel[prompted]])
    all_days = _concat_days(days, prompted_days)
    all_visits = _concat_visits(visits, prompted_visits, len(days))
    bought = np.concatenate([converted, np.ones(len(prompted_days), dtype=bool)])
    spend_offset = np.concatenate([np.zeros(len(days)), np.full(len(prompted_days), PROMPTED_SPEND_SHIFT)])
    items = simulate_items(rngs["items"], all_days, all_visits, users, bought, spend_offset)

    machine = users.machine_id[exposures.user]
    campaign = _labels(exposures.campaign, CAMPAIGN_IDS)
    return {
        "sessions": _with_duplicates(rngs["duplicates"], _sessions_table(users, all_days, all_visits)),
        "transactions": _with_duplicates(rngs["duplicates"], _transactions_table(users, all_days, items)),
        "campaign_exposures": pa.table({
            "machine_id": machine,
            "campaign_id": campaign,
            "exposed_date": _dates(exposures.exposed_day),
            "channel": _labels(exposures.channel, CHANNELS),
            "engaged_date": _dates(exposures.engaged_day),
        }),
        "truth/user_types": pa.table({
            "machine_id": users.machine_id,
            "user_type": _labels(users.user_type, [t.name for t in USER_TYPES]),
        }),
        "truth/campaign_intent": pa.table({
            "machine_id": machine,
            "campaign_id": campaign,
            "intent": _labels(exposures.intent, INTENTS),
        }),
        "truth/repeat_behaviour": pa.table({
            "machine_id": users.machine_id[lapses.user],
            "domain_name": _labels(lapses.domain, _DOMAIN_NAMES),
            "lapse_probability": lapses.probability,
            "purchases_before_lapse": lapses.purchases_before_lapse,
            "lapse_date": _dates(lapses.lapse_day),
            "active_until_date": _dates(users.span_end[lapses.user]),
        }),
    }


# --------------------------------------------------------------------------------------------
# Shards: panels larger than memory
# --------------------------------------------------------------------------------------------

# Shard roots take spawn keys from here on, far from the stage streams' keys 0..7 of an
# unsharded panel, so no shard replays a stream of the unsharded panel with the same seed.
SHARD_SPAWN_KEY = 1_000


def shard_user_counts(n_sessions: int, shards: int) -> list[int]:
    """Households per shard: the unsharded panel's household count split as evenly as possible."""
    total = user_count(n_sessions)
    if not 1 <= shards <= total:
        raise ValueError(f"shards must be between 1 and {total} (the households), got {shards}")
    size, extra = divmod(total, shards)
    return [size + (shard < extra) for shard in range(shards)]


def generate_shards(n_sessions: int, seed: int, shards: int) -> Iterator[dict[str, pa.Table]]:
    """The tables of `shards` independent household shards that together make one panel.

    Yielded one shard at a time, so a writer holds a single shard in memory: peak memory is
    that of an unsharded panel of n_sessions / shards rows.  Each shard has its own stage
    streams (spawned from `seed`) and machine_ids above all earlier shards', so the union
    has unique users; each shard solves its own conversion intercepts, so the marginals
    stay on the reference.  Not the same rows as ``generate_panel(n_sessions, seed)``.
    """
    machine_id_base = MACHINE_ID_BASE
    for shard, n_users in enumerate(shard_user_counts(n_sessions, shards)):
        root = np.random.SeedSequence(seed, spawn_key=(SHARD_SPAWN_KEY + shard,))
        tables = _generate(n_users, root, machine_id_base)
        machine_id_base = int(np.max(tables["truth/user_types"]["machine_id"].to_numpy()))
        yield tables
