-- The Python model ml_campaign_gain_curve, served under its contract (see the YAML).
with

ml_campaign_gain_curve as (

    select * from {{ ref('ml_campaign_gain_curve') }}

),

final as (

    select
        {{ cast_to_contract(ref('ml_campaign_gain_curve')) }}

    from ml_campaign_gain_curve

)

select * from final
