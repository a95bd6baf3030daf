-- The deciles of each domain hold exactly its scored sessions, and targeting the whole scored
-- population has lift 1.0.
with

scored as (

    select
        domain_name as domain_group,
        count(*) as scored_sessions
    from {{ ref('session_scores') }}
    group by domain_name

),

decile_totals as (

    select
        domain_group,
        sum(sessions) as decile_sessions,
        count(*) as deciles,
        max(case when score_decile = 10 then cumulative_lift end) as full_population_lift
    from {{ ref('lift_by_decile') }}
    group by domain_group

)

select
    scored.domain_group,
    scored.scored_sessions,
    decile_totals.decile_sessions,
    decile_totals.full_population_lift
from scored
left join decile_totals
    on scored.domain_group = decile_totals.domain_group
where decile_totals.decile_sessions is distinct from scored.scored_sessions
    or (scored.scored_sessions >= 10 and decile_totals.deciles != 10)
    or abs(coalesce(decile_totals.full_population_lift, 1.0) - 1.0) > 1e-9
