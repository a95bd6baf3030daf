-- Test-period scores ranked within each domain and within all non-primary domains together:
-- the shared input of the lift, gain and ROI marts.
with

session_scores as (

    select * from {{ ref('session_scores') }}

),

grouped as (

    select
        domain_name as domain_group,
        pseudo_session_id,
        score,
        is_actual_positive
    from session_scores

    union all

    select
        'all non-primary domains' as domain_group,
        pseudo_session_id,
        score,
        is_actual_positive
    from session_scores
    where not is_primary_domain

),

final as (

    {{ rank_scored_sessions('grouped', ['domain_group']) }}

)

select * from final
