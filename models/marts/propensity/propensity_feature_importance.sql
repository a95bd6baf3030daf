-- The Python model ml_propensity_feature_importance, served under its contract (see the YAML).
with

ml_propensity_feature_importance as (

    select * from {{ ref('ml_propensity_feature_importance') }}

),

final as (

    select
        {{ cast_to_contract(ref('ml_propensity_feature_importance')) }}

    from ml_propensity_feature_importance

)

select * from final
