-- The champion's test-period scores, served: one row per scored pseudo-session on every domain
-- (int_session_scores_selected, which the targeting marts read too).
with

session_scores as (

    select * from {{ ref('int_session_scores_selected') }}

),

final as (

    select
        pseudo_session_id,
        machine_id,
        event_date,
        domain_name,
        is_primary_domain,
        split,
        model_name,
        score,
        score_decile,
        is_predicted_positive,
        is_actual_positive

    from session_scores

)

select * from final
