{{ config(severity='warn', enabled=panel_has_sessions()) }}
-- Purchases on a (machine, date, domain) with no visit to that domain that day cannot join a
-- pseudo-session; they stay in the order marts and user_rfm but not in session_features.
-- Counted, not hidden. (Off for an orders-only panel, where no purchase has a visit.)
select
    purchases.machine_id,
    purchases.event_date,
    purchases.domain_name
from {{ ref('int_transactions_aggregated_to_pseudo_sessions') }} as purchases
left join {{ ref('int_sessions_aggregated_to_pseudo_sessions') }} as visits
    on purchases.machine_id = visits.machine_id
    and purchases.event_date = visits.event_date
    and purchases.domain_name = visits.domain_name
where visits.machine_id is null
