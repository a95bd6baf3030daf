{#-
  User RFM as of a snapshot date (document 000 §6.1): the logic CTEs of user_rfm, shared with
  int_user_rfm_at_train_end (the snapshot personas used on test-period sessions are fitted on).
  Ends in a CTE named final; snapshot_date none means the day after the last event.

  Purchases come from the orders themselves (purchase_days: one row per user, date and domain
  with purchases), visits from the pseudo-sessions, joined per user and domain: a purchase on a
  day without a visit still counts, and an orders-only panel (no sessions) still has the
  purchase side, with the visit and engagement columns NULL.

  Visits are added up from the users' months (user_months: int_pseudo_sessions_aggregated_to_
  user_months, user_month_visits of every month) for the months before the snapshot's, and from
  the pseudo-sessions themselves for the snapshot's own month up to the day before it: the same
  sums as over every pseudo-session before the snapshot, from ~5x fewer rows at paper scale, so
  the daily job does not re-read the whole history.
-#}

{% macro user_month_visits(pseudo_sessions) -%}
    {#- A select of the visit side of user_rfm per machine, domain and calendar month of
        `pseudo_sessions`: counts and sums, the first and last visit dates, and the demographics
        of the first visit day (document 000 §6.1 takes them as first seen). -#}
    select
        machine_id,
        domain_name,
        month_start,
        count(*) as visit_days,
        cast(sum(session_count) as bigint) as session_count,
        cast(sum(pages_viewed) as bigint) as pages_viewed,
        cast(sum(duration_minutes) as bigint) as duration_minutes,
        count(case when converted then 1 end) as converted_visit_days,
        min(event_date) as first_visit_date,
        max(event_date) as last_visit_date,
        max(case when day_number = 1 then hoh_most_education end) as hoh_most_education,
        max(case when day_number = 1 then household_income end) as household_income,
        max(case when day_number = 1 then census_region end) as census_region,
        max(case when day_number = 1 then household_size end) as household_size,
        max(case when day_number = 1 then hoh_oldest_age end) as hoh_oldest_age,
        max(case when day_number = 1 then children end) as children

    from (
        select
            *,
            row_number() over (partition by machine_id, domain_name, month_start order by event_date) as day_number

        from (
            select
                *,
                cast({{ dbt.date_trunc('month', 'event_date') }} as date) as month_start

            from {{ pseudo_sessions }}
        ) as dated
    ) as numbered

    group by
        machine_id,
        domain_name,
        month_start
{%- endmacro %}


{% macro user_rfm_ctes(pseudo_sessions, user_months, purchase_days, snapshot_date) -%}
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

snapshot_month as (

    select
        snapshot_date,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as month_start

    from snapshot

),

pseudo_sessions_in_snapshot_month as (

    select pseudo_sessions.*
    from {{ pseudo_sessions }} as pseudo_sessions
    cross join snapshot_month
    where pseudo_sessions.event_date >= snapshot_month.month_start
        and pseudo_sessions.event_date < snapshot_month.snapshot_date

),

visit_months as (

    -- the whole months before the snapshot's as kept, the snapshot's own month from its days
    select user_months.*
    from {{ user_months }} as user_months
    cross join snapshot_month
    where user_months.month_start < snapshot_month.month_start

    union all

    {{ user_month_visits('pseudo_sessions_in_snapshot_month') }}

),

purchase_days_before_snapshot as (

    select purchase_days.*
    from {{ purchase_days }} as purchase_days
    cross join snapshot
    where purchase_days.event_date < snapshot.snapshot_date

),

first_months_numbered as (

    select
        *,
        row_number() over (partition by machine_id, domain_name order by month_start) as month_number

    from visit_months

),

first_days as (

    -- demographics as first seen: the first month's first visit day
    select
        machine_id,
        domain_name,
        hoh_most_education,
        household_income,
        census_region,
        household_size,
        hoh_oldest_age,
        children

    from first_months_numbered

    where month_number = 1

),

visits as (

    select
        machine_id,
        domain_name,
        cast(sum(visit_days) as bigint) as visit_days,
        cast(sum(session_count) as bigint) as session_count,
        cast(sum(pages_viewed) as bigint) as pages_viewed,
        cast(sum(duration_minutes) as bigint) as duration_minutes,
        cast(sum(converted_visit_days) as bigint) as converted_visit_days,
        min(first_visit_date) as first_visit_date,
        max(last_visit_date) as last_visit_date

    from visit_months

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
