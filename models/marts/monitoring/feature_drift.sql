-- The Python model ml_feature_drift, served under its contract (see the YAML).
with

ml_feature_drift as (

    select * from {{ ref('ml_feature_drift') }}

),

final as (

    select
        {{ cast_to_contract(ref('ml_feature_drift')) }}

    from ml_feature_drift

)

select * from final
