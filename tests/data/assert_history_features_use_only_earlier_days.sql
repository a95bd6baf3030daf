-- Recomputes every history feature by a self-join on strictly earlier dates and returns the
-- pseudo-sessions where the window-function version disagrees: a row that saw its own day
-- (or a later one) shows up here. The self-join grows with days per user squared, so it checks
-- a fixed-size, deterministic sample of users (var history_test_max_users; all of them on
-- panels up to that size).
with

session_features as (

    select * from {{ ref('session_features') }}

),

sampled_users as (

    select
        machine_id
    from (select distinct machine_id from session_features) as users
    order by {{ dbt.hash('machine_id') }}, machine_id
    limit {{ sql_literal(var('history_test_max_users')) }}

),

features as (

    select session_features.*
    from session_features
    inner join sampled_users
        on session_features.machine_id = sampled_users.machine_id

),

recomputed as (

    select
        current_day.machine_id,
        current_day.domain_name,
        current_day.event_date,
        count(earlier_day.event_date) as prior_session_days,
        coalesce(sum(case when earlier_day.converted then 1 else 0 end), 0) as prior_purchase_days,
        coalesce(sum(earlier_day.basket_spend_usd), 0) as prior_spend_usd,
        max(case when earlier_day.converted then earlier_day.event_date end) as previous_purchase_date,
        max(earlier_day.event_date) as previous_session_date

    from features as current_day

    left join features as earlier_day
        on current_day.machine_id = earlier_day.machine_id
        and current_day.domain_name = earlier_day.domain_name
        and earlier_day.event_date < current_day.event_date

    group by
        current_day.machine_id,
        current_day.domain_name,
        current_day.event_date

)

select
    features.machine_id,
    features.domain_name,
    features.event_date
from features
inner join recomputed
    on features.machine_id = recomputed.machine_id
    and features.domain_name = recomputed.domain_name
    and features.event_date = recomputed.event_date
where features.prior_session_days != recomputed.prior_session_days
    or features.prior_purchase_days != recomputed.prior_purchase_days
    or abs(features.prior_spend_usd - recomputed.prior_spend_usd) > 0.005
    or features.days_since_last_purchase is distinct from (
        {{ dbt.datediff('recomputed.previous_purchase_date', 'features.event_date', 'day') }}
    )
    or features.days_since_last_session is distinct from (
        {{ dbt.datediff('recomputed.previous_session_date', 'features.event_date', 'day') }}
    )
    or (features.is_repeat_purchase) != (features.converted and recomputed.previous_purchase_date is not null)
