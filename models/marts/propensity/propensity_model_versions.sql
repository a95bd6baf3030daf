-- The model versions the lifecycle has trained, oldest first, one row per version and candidate:
-- when and why each was trained, its training window, data fingerprint, candidates' validation
-- metrics and champion, and where its artifacts are. The current version (is_current_version)
-- scores every session (propensity.lifecycle; README "Model lifecycle").
with

versions as (

    select * from {{ ref('propensity_model_history') }}

),

final as (

    select
        {{ cast_to_contract(ref('propensity_model_history')) }}

    from versions

)

select * from final
