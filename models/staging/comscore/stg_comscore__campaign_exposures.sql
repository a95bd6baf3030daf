with

base as (

    select * from {{ ref('base_comscore__campaign_exposures') }}

),

kept as (

    select *
    from base
    where {{ is_kept_panel_row() }}

),

final as (

    select
        machine_id,
        campaign_id,
        exposed_date,
        channel,
        engaged_date,
        engaged_date is not null as is_engaged,
        source_file

    from kept

)

select * from final
