-- The candidates of the model registry as BI reads them: the champion and why, thresholds,
-- validation metrics and windows. The registry's internals (the encoder, column positions,
-- where the fitted models are stored) stay in ml.propensity_model_registry.
with

registry as (

    select * from {{ ref('propensity_model_registry') }}

),

final as (

    select
        {{ cast_to_contract(
            ref('propensity_model_registry'),
            not_served=['feature_positions', 'encoder_json', 'artifact_file', 'artifact_sha256']
        ) }}

    from registry

)

select * from final
