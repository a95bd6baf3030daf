-- The candidates of the repeat-purchase registry as BI reads them: the champion and why,
-- validation metrics, cutoffs and the version that stores them. The registry's internals (the
-- encoder, where the fitted families are stored) stay in ml.repeat_model_registry.
with

registry as (

    select * from {{ ref('repeat_model_registry') }}

),

final as (

    select
        {{ cast_to_contract(
            ref('repeat_model_registry'),
            not_served=['encoder_json', 'artifact_file', 'artifact_sha256']
        ) }}

    from registry

)

select * from final
