-- Test-period scores ranked within each domain and within all non-primary domains together:
-- the shared input of the lift, gain and ROI marts.
with

session_scores as (

    select * from {{ ref('int_session_scores_selected') }}

),

grouped as (

    {{ rows_by_domain_group('session_scores', ['pseudo_session_id', 'score', 'is_actual_positive']) }}

),

final as (

    {{ rank_scored_rows('grouped', ['domain_group']) }}

)

select * from final
