-- The Python model ml_score_monitoring served under its contract, with the PSI of the champion's
-- score in the same week and domain (computed once, in ml_feature_drift).
with

ml_score_monitoring as (

    select * from {{ ref('ml_score_monitoring') }}

),

ml_feature_drift as (

    select * from {{ ref('ml_feature_drift') }}

),

score_drift as (

    select
        week_start,
        domain_name,
        psi as score_psi,
        is_drifted as is_score_drifted
    from ml_feature_drift
    where feature_name = 'score'

),

joined as (

    select
        ml_score_monitoring.*,
        score_drift.score_psi,
        score_drift.is_score_drifted
    from ml_score_monitoring
    left join score_drift
        on ml_score_monitoring.week_start = score_drift.week_start
        and ml_score_monitoring.domain_name = score_drift.domain_name

),

final as (

    select
        {{ cast_to_contract(ref('ml_score_monitoring')) }}

    from joined

)

select * from final
