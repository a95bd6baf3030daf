{{ config(**incremental_by_date('event_date')) }}
{%- set slice_start = incremental_slice_start() %}
-- One row per pseudo-session with every model feature and label. History features look
-- only at strictly earlier dates of the same user on the same domain, so no row sees its own day.
-- An incremental run (macros/incremental.sql) builds the days of its slice only: each user's
-- history before the slice is carried from the last row already built before it (its history
-- plus its own day), so the new days get exactly the history a full build gives them.
with

pseudo_sessions as (

    select * from {{ ref('int_pseudo_sessions_joined') }}
    {{ incremental_slice_filter('event_date') }}

),

{% if slice_start -%}
built_before_slice as (

    select
        built.machine_id,
        built.domain_name,
        built.event_date,
        built.prior_session_days,
        built.prior_purchase_days,
        built.prior_spend_usd,
        built.days_since_last_purchase,
        built.converted,
        built.basket_spend_usd

    from {{ this }} as built

    where
        built.event_date < cast({{ sql_literal(slice_start) }} as date)
        and exists (
            select 1
            from pseudo_sessions
            where
                pseudo_sessions.machine_id = built.machine_id
                and pseudo_sessions.domain_name = built.domain_name
        )

),

last_built_days as (

    select
        *,
        row_number() over (partition by machine_id, domain_name order by event_date desc) as recency_rank

    from built_before_slice

),

history_before_slice as (

    select
        machine_id,
        domain_name,
        prior_session_days + 1 as session_days,
        prior_purchase_days + case when converted then 1 else 0 end as purchase_days,
        prior_spend_usd + basket_spend_usd as spend_usd,
        event_date as last_session_date,
        case
            when converted then event_date
            -- null when the user had not purchased yet
            else cast({{ dbt.dateadd('day', '-1 * days_since_last_purchase', 'event_date') }} as date)
        end as last_purchase_date

    from last_built_days

    where recency_rank = 1

),
{%- else -%}
history_before_slice as (

    -- a full build: no day precedes the rows built
    select
        machine_id,
        domain_name,
        cast(0 as bigint) as session_days,
        cast(0 as bigint) as purchase_days,
        {{ money(0) }} as spend_usd,
        cast(null as date) as last_session_date,
        cast(null as date) as last_purchase_date

    from pseudo_sessions

    where false

),
{%- endif %}

with_history as (

    select
        pseudo_sessions.*,
        coalesce(history_before_slice.session_days, 0) + count(*) over prior_days as prior_session_days,
        coalesce(history_before_slice.purchase_days, 0)
        + count(case when pseudo_sessions.converted then 1 end) over prior_days as prior_purchase_days,
        {{ money(
            'coalesce(history_before_slice.spend_usd, 0)'
            ~ ' + coalesce(sum(pseudo_sessions.basket_spend_usd) over prior_days, 0)'
        ) }} as prior_spend_usd,
        coalesce(
            max(pseudo_sessions.event_date) over prior_days, history_before_slice.last_session_date
        ) as previous_session_date,
        coalesce(
            max(case when pseudo_sessions.converted then pseudo_sessions.event_date end) over prior_days,
            history_before_slice.last_purchase_date
        ) as previous_purchase_date

    from pseudo_sessions

    left join history_before_slice
        on pseudo_sessions.machine_id = history_before_slice.machine_id
        and pseudo_sessions.domain_name = history_before_slice.domain_name

    window prior_days as (
        partition by pseudo_sessions.machine_id, pseudo_sessions.domain_name
        order by pseudo_sessions.event_date
        rows between unbounded preceding and 1 preceding
    )

),

final as (

    select
        -- keys
        {{ surrogate_key(['machine_id', 'event_date', 'domain_name']) }} as pseudo_session_id,
        machine_id,
        event_date,
        domain_name,
        -- ids reach ~1.06e19, beyond BIGINT: exact as a decimal, which Parquet and BI tools read
        cast(domain_id as decimal(20, 0)) as domain_id,
        {{ is_primary_domain() }} as is_primary_domain,

        -- calendar and time of the day's first visit
        cast(extract(year from event_date) as integer) as event_year,
        cast(extract(month from event_date) as integer) as event_month,
        {{ iso_day_of_week('event_date') }} as day_of_week,
        {{ iso_day_of_week('event_date') }} in (6, 7) as is_weekend,
        first_event_hour as hour_of_day,

        -- acquisition
        first_referrer_domain,
        referrer_bucket,

        -- household demographics (racial_background and zip_code never enter a model)
        hoh_most_education,
        household_income,
        census_region,
        household_size,
        hoh_oldest_age,
        children,

        -- engagement that day
        session_count,
        pages_viewed,
        duration_minutes,
        {{ pages_viewed_bucket('pages_viewed') }} as pages_viewed_bucket,
        {{ duration_bucket('duration_minutes') }} as duration_bucket,

        -- history: strictly earlier dates only
        {{ dbt.datediff('previous_purchase_date', 'event_date', 'day') }} as days_since_last_purchase,
        {{ dbt.datediff('previous_session_date', 'event_date', 'day') }} as days_since_last_session,
        prior_session_days,
        prior_purchase_days,
        prior_spend_usd,
        case
            when prior_session_days > 0 then cast(prior_purchase_days as double) / prior_session_days
        end as historical_conversion_rate,
        previous_purchase_date is not null as has_prior_purchase,

        -- labels and outcomes of the day (never features)
        converted,
        converted and previous_purchase_date is not null as is_repeat_purchase,
        order_count,
        item_quantity,
        distinct_product_count,
        basket_spend_usd

    from with_history

)

-- stored in date order: the reads by date (an incremental run's slice and its tests, the
-- training and monitoring windows, the export by month) skip the other dates' row groups
select * from final
order by event_date
