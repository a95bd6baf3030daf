{#-
  User RFM as of a snapshot date (document 000 §6.1): the logic CTEs of user_rfm, shared with
  int_user_rfm_at_train_end (the snapshot personas used on test-period sessions are fitted on).
  Ends in a CTE named final; snapshot_date none means the day after the last event.
-#}

{% macro user_rfm_ctes(pseudo_sessions, snapshot_date) -%}
snapshot as (

    {% if snapshot_date -%}
    select cast({{ sql_literal(snapshot_date) }} as date) as snapshot_date
    {%- else -%}
    select cast({{ dbt.dateadd('day', 1, 'max(event_date)') }} as date) as snapshot_date
    from {{ pseudo_sessions }}
    {%- endif %}

),

pseudo_sessions_before_snapshot as (

    select pseudo_sessions.*
    from {{ pseudo_sessions }} as pseudo_sessions
    cross join snapshot
    where pseudo_sessions.event_date < snapshot.snapshot_date

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

activity as (

    select
        machine_id,
        domain_name,
        count(*) as active_days,
        cast(sum(session_count) as bigint) as session_count,
        cast(sum(pages_viewed) as bigint) as pages_viewed,
        cast(sum(duration_minutes) as bigint) as duration_minutes,
        min(event_date) as first_active_date,
        max(event_date) as last_active_date,
        count(case when converted then 1 end) as purchase_days,
        cast(sum(order_count) as bigint) as order_count,
        {{ money('sum(basket_spend_usd)') }} as total_spend_usd,
        min(case when converted then event_date end) as first_purchase_date,
        max(case when converted then event_date end) as last_purchase_date

    from pseudo_sessions_before_snapshot

    group by
        machine_id,
        domain_name

),

final as (

    select
        activity.machine_id,
        activity.domain_name,
        snapshot.snapshot_date,

        -- frequency
        activity.active_days as frequency_days,
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
        cast(activity.purchase_days as double) / activity.active_days as conversion_rate,

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

    inner join first_days
        on activity.machine_id = first_days.machine_id
        and activity.domain_name = first_days.domain_name

)
{%- endmacro %}
