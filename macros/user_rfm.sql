{#-
  User RFM as of a snapshot date (document 000 §6.1): the logic CTEs of user_rfm, shared with
  int_user_rfm_at_train_end (the snapshot personas used on test-period sessions are fitted on).
  Ends in a CTE named final; snapshot_date none means the day after the last event.

  Purchases come from the orders themselves (purchase_days: one row per user, date and domain
  with purchases), visits from the pseudo-sessions, joined per user and domain: a purchase on a
  day without a visit still counts, and an orders-only panel (no sessions) still has the
  purchase side, with the visit and engagement columns NULL.
-#}

{% macro user_rfm_ctes(pseudo_sessions, purchase_days, snapshot_date) -%}
snapshot as (

    {% if snapshot_date -%}
    select cast({{ sql_literal(snapshot_date) }} as date) as snapshot_date
    {%- else -%}
    select cast({{ dbt.dateadd('day', 1, 'max(event_date)') }} as date) as snapshot_date
    from (
        select event_date from {{ pseudo_sessions }}
        union all
        select event_date from {{ purchase_days }}
    ) as events
    {%- endif %}

),

pseudo_sessions_before_snapshot as (

    select pseudo_sessions.*
    from {{ pseudo_sessions }} as pseudo_sessions
    cross join snapshot
    where pseudo_sessions.event_date < snapshot.snapshot_date

),

purchase_days_before_snapshot as (

    select purchase_days.*
    from {{ purchase_days }} as purchase_days
    cross join snapshot
    where purchase_days.event_date < snapshot.snapshot_date

),

first_days_numbered as (

    select
        *,
        row_number() over (partition by machine_id, domain_name order by event_date) as day_number

    from pseudo_sessions_before_snapshot

),

first_days as (

    -- demographics as first seen, as document 000 §6.1 takes them
    select
        machine_id,
        domain_name,
        hoh_most_education,
        household_income,
        census_region,
        household_size,
        hoh_oldest_age,
        children

    from first_days_numbered

    where day_number = 1

),

visits as (

    select
        machine_id,
        domain_name,
        count(*) as visit_days,
        cast(sum(session_count) as bigint) as session_count,
        cast(sum(pages_viewed) as bigint) as pages_viewed,
        cast(sum(duration_minutes) as bigint) as duration_minutes,
        count(case when converted then 1 end) as converted_visit_days,
        min(event_date) as first_visit_date,
        max(event_date) as last_visit_date

    from pseudo_sessions_before_snapshot

    group by
        machine_id,
        domain_name

),

purchases as (

    select
        machine_id,
        domain_name,
        count(*) as purchase_days,
        cast(sum(order_count) as bigint) as order_count,
        {{ money('sum(basket_spend_usd)') }} as total_spend_usd,
        min(event_date) as first_purchase_date,
        max(event_date) as last_purchase_date

    from purchase_days_before_snapshot

    group by
        machine_id,
        domain_name

),

activity as (

    select
        coalesce(visits.machine_id, purchases.machine_id) as machine_id,
        coalesce(visits.domain_name, purchases.domain_name) as domain_name,
        visits.visit_days,
        visits.session_count,
        visits.pages_viewed,
        visits.duration_minutes,
        visits.converted_visit_days,
        case
            when purchases.first_purchase_date < visits.first_visit_date or visits.first_visit_date is null
                then purchases.first_purchase_date
            else visits.first_visit_date
        end as first_active_date,
        case
            when purchases.last_purchase_date > visits.last_visit_date or visits.last_visit_date is null
                then purchases.last_purchase_date
            else visits.last_visit_date
        end as last_active_date,
        coalesce(purchases.purchase_days, 0) as purchase_days,
        coalesce(purchases.order_count, 0) as order_count,
        coalesce(purchases.total_spend_usd, {{ money(0) }}) as total_spend_usd,
        purchases.first_purchase_date,
        purchases.last_purchase_date

    from visits

    full outer join purchases
        on visits.machine_id = purchases.machine_id
        and visits.domain_name = purchases.domain_name

),

final as (

    select
        activity.machine_id,
        activity.domain_name,
        snapshot.snapshot_date,

        -- frequency
        activity.visit_days as frequency_days,
        activity.session_count,
        activity.first_active_date,
        activity.last_active_date,
        {{ dbt.datediff('activity.first_active_date', 'snapshot.snapshot_date', 'day') }} as tenure_days,
        {{ dbt.datediff('activity.last_active_date', 'snapshot.snapshot_date', 'day') }} as days_since_last_active,

        -- recency
        activity.purchase_days,
        activity.order_count,
        activity.first_purchase_date,
        activity.last_purchase_date,
        {{ dbt.datediff('activity.last_purchase_date', 'snapshot.snapshot_date', 'day') }} as days_since_last_purchase,
        case
            when activity.purchase_days >= 2
                then cast({{ dbt.datediff('activity.first_purchase_date', 'activity.last_purchase_date', 'day') }} as double)
                    / (activity.purchase_days - 1)
        end as avg_days_between_purchases,

        -- monetary
        activity.total_spend_usd,
        case
            when activity.purchase_days > 0 then cast(activity.total_spend_usd as double) / activity.purchase_days
        end as avg_basket_spend_usd,
        cast(activity.converted_visit_days as double) / activity.visit_days as conversion_rate,

        -- engagement, per raw session
        cast(activity.pages_viewed as double) / activity.session_count as avg_pages_per_session,
        cast(activity.duration_minutes as double) / activity.session_count as avg_duration_minutes_per_session,

        -- demographics
        first_days.hoh_most_education,
        first_days.household_income,
        first_days.census_region,
        first_days.household_size,
        first_days.hoh_oldest_age,
        first_days.children

    from activity

    cross join snapshot

    left join first_days
        on activity.machine_id = first_days.machine_id
        and activity.domain_name = first_days.domain_name

)
{%- endmacro %}
