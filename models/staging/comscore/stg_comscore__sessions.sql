with

base as (

    select * from {{ ref('base_comscore__sessions') }}

),

kept as (

    select *
    from base
    where {{ is_kept_panel_row() }}

),

final as (

    select
        -- ids
        machine_id,
        site_session_id,
        user_session_id,
        domain_id,

        -- visit
        domain_name,
        ref_domain__name as referrer_domain,
        pages_viewed,
        duration as duration_minutes,

        -- time
        event_date,
        event_time,
        {{ hour_of_time('event_time') }} as event_hour,

        -- household demographics, unknown codes as NULL
        {{ known_code('hoh_most_education', 1, 5) }} as hoh_most_education,
        {{ known_code('census_region', 1, 4) }} as census_region,
        {{ known_code('household_size', 1, 6) }} as household_size,
        {{ known_code('hoh_oldest_age', 1, 11) }} as hoh_oldest_age,
        {{ known_code('household_income', 11, 18) }} as household_income,
        {{ known_code('children', 0, 1) }} as children,
        {{ known_code('hispanic', 0, 1) }} as hispanic,
        connection_speed,

        -- kept for fairness audits only; never selected into a model
        racial_background,
        zip_code,

        source_file

    from kept

)

select * from final
