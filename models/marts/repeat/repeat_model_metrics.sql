-- The Python model ml_repeat_model_metrics, served under its contract (see the YAML).
with

ml_repeat_model_metrics as (

    select * from {{ ref('ml_repeat_model_metrics') }}

),

final as (

    select
        {{ cast_to_contract(ref('ml_repeat_model_metrics')) }}

    from ml_repeat_model_metrics

)

select * from final
