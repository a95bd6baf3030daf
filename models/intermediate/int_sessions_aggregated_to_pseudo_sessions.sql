{{ config(**incremental_by_date('event_date')) }}
with

sessions as (

    select * from {{ ref('stg_comscore__sessions') }}
    {{ incremental_slice_filter('event_date') }}

),

referrer_domains as (

    select * from {{ ref('referrer_domains') }}

),

sessions_numbered as (

    select
        *,
        row_number() over (
            partition by machine_id, event_date, domain_name
            -- full tie-break so the "first visit" is the same every run
            order by event_time, site_session_id, user_session_id, pages_viewed, duration_minutes, referrer_domain
        ) as visit_number_of_day

    from sessions

),

day_totals as (

    select
        machine_id,
        event_date,
        domain_name,
        count(*) as session_count,
        cast(sum(pages_viewed) as bigint) as pages_viewed,
        cast(sum(duration_minutes) as bigint) as duration_minutes

    from sessions

    group by
        machine_id,
        event_date,
        domain_name

),

first_visits as (

    select
        sessions_numbered.machine_id,
        sessions_numbered.event_date,
        sessions_numbered.domain_name,
        sessions_numbered.domain_id,
        sessions_numbered.event_time as first_event_time,
        sessions_numbered.event_hour as first_event_hour,
        sessions_numbered.referrer_domain as first_referrer_domain,
        case
            when sessions_numbered.referrer_domain is null then 'direct'
            else coalesce(referrer_domains.referrer_bucket, 'other')
        end as referrer_bucket,
        sessions_numbered.hoh_most_education,
        sessions_numbered.census_region,
        sessions_numbered.household_size,
        sessions_numbered.hoh_oldest_age,
        sessions_numbered.household_income,
        sessions_numbered.children,
        sessions_numbered.hispanic,
        sessions_numbered.connection_speed

    from sessions_numbered

    left join referrer_domains
        on sessions_numbered.referrer_domain = referrer_domains.referrer_domain

    where sessions_numbered.visit_number_of_day = 1

),

final as (

    select
        day_totals.machine_id,
        day_totals.event_date,
        day_totals.domain_name,
        first_visits.domain_id,
        day_totals.session_count,
        day_totals.pages_viewed,
        day_totals.duration_minutes,
        first_visits.first_event_time,
        first_visits.first_event_hour,
        first_visits.first_referrer_domain,
        first_visits.referrer_bucket,
        first_visits.hoh_most_education,
        first_visits.census_region,
        first_visits.household_size,
        first_visits.hoh_oldest_age,
        first_visits.household_income,
        first_visits.children,
        first_visits.hispanic,
        first_visits.connection_speed

    from day_totals

    inner join first_visits
        on day_totals.machine_id = first_visits.machine_id
        and day_totals.event_date = first_visits.event_date
        and day_totals.domain_name = first_visits.domain_name

)

select * from final
