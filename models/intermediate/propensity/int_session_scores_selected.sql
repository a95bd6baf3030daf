-- One row per scored pseudo-session of the test period on every domain: the champion's score
-- (the candidate chosen on the validation window of the current model version, see
-- propensity_model_registry) and that version, its decile
-- within the domain (1 = highest scores), the tuned-threshold flag, the label. The scores every
-- targeting mart reads; session_scores serves them.
with

predictions as (

    select * from {{ ref('propensity_predictions') }}

),

registry as (

    select * from {{ ref('propensity_model_registry') }}

),

champion_test_scores as (

    select predictions.*
    from predictions
    inner join registry
        on predictions.model_name = registry.model_name
    where registry.is_champion
        and predictions.split = 'test'

),

final as (

    select
        pseudo_session_id,
        machine_id,
        event_date,
        domain_name,
        {{ is_primary_domain() }} as is_primary_domain,
        split,
        model_name,
        model_version_id,
        score,
        -- ties broken by the key so deciles are the same every run; BIGINT on both engines
        cast(ntile(10) over (
            partition by domain_name
            order by score desc, pseudo_session_id
        ) as bigint) as score_decile,
        is_predicted_positive,
        actual as is_actual_positive,
        -- the top var('target_fraction') of the domain's scored sessions: whom targeting_roi contacts
        row_number() over (
            partition by domain_name
            order by score desc, pseudo_session_id
        ) <= {{ targeted_count(
            sql_literal(var('target_fraction')),
            'count(*) over (partition by domain_name)'
        ) }} as is_targeted

    from champion_test_scores

)

select * from final
