-- One row per pseudo-session with every model feature and label. History features look
-- only at strictly earlier dates of the same user on the same domain, so no row sees its own day.
with

pseudo_sessions as (

    select * from {{ ref('int_pseudo_sessions_joined') }}

),

with_history as (

    select
        *,
        count(*) over prior_days as prior_session_days,
        count(case when converted then 1 end) over prior_days as prior_purchase_days,
        {{ money('coalesce(sum(basket_spend_usd) over prior_days, 0)') }} as prior_spend_usd,
        max(event_date) over prior_days as previous_session_date,
        max(case when converted then event_date end) over prior_days as previous_purchase_date

    from pseudo_sessions

    window prior_days as (
        partition by machine_id, domain_name
        order by event_date
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

select * from final
