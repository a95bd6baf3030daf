-- The Python model ml_model_health, served under its contract (see the YAML).
with

ml_model_health as (

    select * from {{ ref('ml_model_health') }}

),

final as (

    select
        {{ cast_to_contract(ref('ml_model_health')) }}

    from ml_model_health

)

select * from final
