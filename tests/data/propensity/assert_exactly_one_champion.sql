-- The registry names exactly one champion: session_scores, lift, gain and ROI read its scores
-- (an empty registry, an orders-only panel's, names none).
with

registry as (

    select * from {{ ref('propensity_model_registry') }}

),

final as (

    select
        count(case when is_champion then 1 end) as champions
    from registry
    having count(*) > 0 and count(case when is_champion then 1 end) != 1

)

select * from final
