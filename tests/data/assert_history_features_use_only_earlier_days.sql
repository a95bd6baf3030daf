-- Recomputes every history feature by a self-join on strictly earlier dates and returns the
-- pseudo-sessions where the window-function version disagrees: a row that saw its own day
-- (or a later one) shows up here. The self-join grows with days per user squared, so it checks
-- a fixed-size, deterministic sample of users (var history_test_max_users; all of them on
-- panels up to that size). After an incremental build it checks the days the build rebuilt
-- (macros/incremental.sql), against all earlier days of their users.
with

session_features as (

    select * from {{ ref('session_features') }}

),

checked_days as (

    select *
    from session_features
    where {{ incremental_test_slice(ref('session_features')) }}

),

sampled_users as (

    select
        machine_id
    from (select distinct machine_id from checked_days) as users
    order by {{ dbt.hash('machine_id') }}, machine_id
    limit {{ sql_literal(var('history_test_max_users')) }}

),

features as (

    select session_features.*
    from session_features
    inner join sampled_users
        on session_features.machine_id = sampled_users.machine_id

),

checked_features as (

    select checked_days.*
    from checked_days
    inner join sampled_users
        on checked_days.machine_id = sampled_users.machine_id

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

    from checked_features as current_day

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
    checked_features.machine_id,
    checked_features.domain_name,
    checked_features.event_date
from checked_features
inner join recomputed
    on checked_features.machine_id = recomputed.machine_id
    and checked_features.domain_name = recomputed.domain_name
    and checked_features.event_date = recomputed.event_date
where checked_features.prior_session_days != recomputed.prior_session_days
    or checked_features.prior_purchase_days != recomputed.prior_purchase_days
    or abs(checked_features.prior_spend_usd - recomputed.prior_spend_usd) > 0.005
    or checked_features.days_since_last_purchase is distinct from (
        {{ dbt.datediff('recomputed.previous_purchase_date', 'checked_features.event_date', 'day') }}
    )
    or checked_features.days_since_last_session is distinct from (
        {{ dbt.datediff('recomputed.previous_session_date', 'checked_features.event_date', 'day') }}
    )
    or (checked_features.is_repeat_purchase)
    != (checked_features.converted and recomputed.previous_purchase_date is not null)
