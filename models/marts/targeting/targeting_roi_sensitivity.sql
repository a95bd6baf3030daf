-- The targeting ROI over a grid of targeted fraction x cost per session, for a heat map; the
-- break-even line is where roi crosses 0 (or cost_per_session_usd = break_even_cost_per_session_usd).
with

ranked as (

    select * from {{ ref('int_session_scores_ranked') }}

),

aov_by_domain as (

    select * from {{ ref('aov_by_domain') }}

),

scenarios as (

    {{ scenario_rows(var('roi_sensitivity_fractions'), var('roi_sensitivity_costs_usd')) }}

),

{{ targeting_roi_ctes('ranked', 'scenarios', 'aov_by_domain', ['domain_group']) }},

final as (

    select
        *,
        profit_usd >= 0 as is_profitable
    from roi

)

select * from final
