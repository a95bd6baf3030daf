-- One row per customer, domain and cutoff of int_repeat_cutoffs (a customer: at least one
-- purchase day on the domain before the cutoff): what was known the day before the cutoff.
-- Purchase history - frequency, recency, the gaps between purchase days, basket statistics,
-- the last 30/90/365 days - and, when the panel has sessions, browsing in the 365 days before
-- the cutoff (NULL on an orders-only panel). Nothing on or after the cutoff date is read.
{%- set sessions_known = 'true' if panel_has_sessions() else 'false' %}

with

cutoffs as (

    select * from {{ ref('int_repeat_cutoffs') }}

),

purchase_days as (

    select * from {{ ref('int_transactions_aggregated_to_pseudo_sessions') }}

),

visit_days as (

    select * from {{ ref('int_sessions_aggregated_to_pseudo_sessions') }}

),

purchase_gaps as (

    select
        machine_id,
        domain_name,
        event_date,
        order_count,
        item_quantity,
        basket_spend_usd,
        {{ dbt.datediff(
            'lag(event_date) over (partition by machine_id, domain_name order by event_date)', 'event_date', 'day'
        ) }} as days_since_previous_purchase
    from purchase_days

),

purchase_history as (

    select
        cutoffs.cutoff_date,
        cutoffs.cutoff_role,
        purchase_gaps.*,
        {{ dbt.datediff('purchase_gaps.event_date', 'cutoffs.cutoff_date', 'day') }} as days_before_cutoff
    from cutoffs
    inner join purchase_gaps
        on purchase_gaps.event_date < cutoffs.cutoff_date

),

purchase_totals as (

    select
        machine_id,
        domain_name,
        cutoff_date,
        cutoff_role,
        count(*) as purchase_days,
        cast(sum(order_count) as bigint) as order_count,
        cast(sum(item_quantity) as bigint) as item_quantity,
        {{ money('sum(basket_spend_usd)') }} as spend_usd,
        max(days_before_cutoff) as days_since_first_purchase,
        min(days_before_cutoff) as days_since_last_purchase,
        max(event_date) as last_purchase_date,
        -- gaps exist from the second purchase day on; sums kept exact for the deviations below
        count(days_since_previous_purchase) as gap_count,
        sum(days_since_previous_purchase) as gap_sum,
        sum(days_since_previous_purchase * days_since_previous_purchase) as gap_square_sum,
        max(days_since_previous_purchase) as max_days_between_purchases,
        sum(basket_spend_usd * basket_spend_usd) as spend_square_sum,
        max(basket_spend_usd) as max_spend_per_purchase_day_usd,
        count(case when days_before_cutoff <= 30 then 1 end) as purchase_days_last_30,
        count(case when days_before_cutoff <= 90 then 1 end) as purchase_days_last_90,
        count(case when days_before_cutoff <= 365 then 1 end) as purchase_days_last_365,
        {{ money('coalesce(sum(case when days_before_cutoff <= 30 then basket_spend_usd end), 0)') }}
            as spend_last_30_usd,
        {{ money('coalesce(sum(case when days_before_cutoff <= 90 then basket_spend_usd end), 0)') }}
            as spend_last_90_usd,
        {{ money('coalesce(sum(case when days_before_cutoff <= 365 then basket_spend_usd end), 0)') }}
            as spend_last_365_usd
    from purchase_history
    group by
        machine_id,
        domain_name,
        cutoff_date,
        cutoff_role

),

recent_visits as (

    -- the 365 days before the cutoff, and whether each visit day came after the last purchase
    select
        purchase_totals.machine_id,
        purchase_totals.domain_name,
        purchase_totals.cutoff_date,
        {{ dbt.datediff('visit_days.event_date', 'purchase_totals.cutoff_date', 'day') }} as days_before_cutoff,
        visit_days.pages_viewed,
        visit_days.duration_minutes,
        visit_days.event_date > purchase_totals.last_purchase_date as is_after_last_purchase
    from purchase_totals
    inner join visit_days
        on visit_days.machine_id = purchase_totals.machine_id
        and visit_days.domain_name = purchase_totals.domain_name
        and visit_days.event_date < purchase_totals.cutoff_date
        and visit_days.event_date >= cast({{ dbt.dateadd('day', -365, 'purchase_totals.cutoff_date') }} as date)

),

visit_totals as (

    select
        machine_id,
        domain_name,
        cutoff_date,
        count(case when days_before_cutoff <= 30 then 1 end) as visit_days_last_30,
        count(case when days_before_cutoff <= 90 then 1 end) as visit_days_last_90,
        count(*) as visit_days_last_365,
        min(days_before_cutoff) as days_since_last_visit,
        count(case when is_after_last_purchase then 1 end) as visit_days_since_last_purchase,
        cast(sum(pages_viewed) as double) / count(*) as pages_per_visit_day_last_365,
        cast(sum(duration_minutes) as double) / count(*) as minutes_per_visit_day_last_365
    from recent_visits
    group by
        machine_id,
        domain_name,
        cutoff_date

),

final as (

    select
        -- keys
        purchase_totals.machine_id,
        purchase_totals.domain_name,
        purchase_totals.cutoff_date,
        purchase_totals.cutoff_role,

        -- frequency and recency
        purchase_totals.purchase_days,
        purchase_totals.order_count,
        purchase_totals.days_since_first_purchase,
        purchase_totals.days_since_last_purchase,

        -- gaps between successive purchase days
        case
            when purchase_totals.gap_count > 0
                then cast(purchase_totals.gap_sum as double) / purchase_totals.gap_count
        end as avg_days_between_purchases,
        {{ stddev_from_sums('purchase_totals.gap_count', 'purchase_totals.gap_sum', 'purchase_totals.gap_square_sum') }}
            as stddev_days_between_purchases,
        purchase_totals.max_days_between_purchases,

        -- baskets
        purchase_totals.spend_usd,
        cast(purchase_totals.spend_usd as double) / purchase_totals.purchase_days as avg_spend_per_purchase_day_usd,
        {{ stddev_from_sums(
            'purchase_totals.purchase_days', 'purchase_totals.spend_usd', 'purchase_totals.spend_square_sum'
        ) }} as stddev_spend_per_purchase_day_usd,
        purchase_totals.max_spend_per_purchase_day_usd,
        cast(purchase_totals.order_count as double) / purchase_totals.purchase_days as avg_orders_per_purchase_day,
        cast(purchase_totals.item_quantity as double) / purchase_totals.purchase_days as avg_items_per_purchase_day,

        -- trends
        purchase_totals.purchase_days_last_30,
        purchase_totals.purchase_days_last_90,
        purchase_totals.purchase_days_last_365,
        purchase_totals.spend_last_30_usd,
        purchase_totals.spend_last_90_usd,
        purchase_totals.spend_last_365_usd,

        -- browsing in the 365 days before the cutoff (NULL without sessions: unknown, not none)
        case when {{ sessions_known }} then coalesce(visit_totals.visit_days_last_30, 0) end as visit_days_last_30,
        case when {{ sessions_known }} then coalesce(visit_totals.visit_days_last_90, 0) end as visit_days_last_90,
        case when {{ sessions_known }} then coalesce(visit_totals.visit_days_last_365, 0) end as visit_days_last_365,
        -- 366: no visit in the year before the cutoff
        case when {{ sessions_known }} then coalesce(visit_totals.days_since_last_visit, 366) end
            as days_since_last_visit,
        case when {{ sessions_known }} then coalesce(visit_totals.visit_days_since_last_purchase, 0) end
            as visit_days_since_last_purchase,
        visit_totals.pages_per_visit_day_last_365,
        visit_totals.minutes_per_visit_day_last_365

    from purchase_totals
    left join visit_totals
        on purchase_totals.machine_id = visit_totals.machine_id
        and purchase_totals.domain_name = visit_totals.domain_name
        and purchase_totals.cutoff_date = visit_totals.cutoff_date

)

select * from final
