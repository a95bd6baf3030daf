-- ROI of contacting the top var('target_fraction') of customers by the repeat-purchase champion
-- at the scored cutoff, per domain (and all non-primary domains together), at
-- var('cost_per_user_usd') each: incremental buyers = N_top * (buy rate of the top - base rate),
-- each valued at the domain's average order value (one order: a floor, since a buyer may order
-- again in the horizon). Priced by the session targeting's macros (macros/targeting.sql).
with

ranked as (

    select * from {{ ref('int_repeat_scores_ranked') }}

),

aov_by_domain as (

    select * from {{ ref('aov_by_domain') }}

),

scenario as (

    {{ scenario_rows([var('target_fraction')], [var('cost_per_user_usd')], unit='user') }}

),

{{ targeting_roi_ctes('ranked', 'scenario', 'aov_by_domain', ['domain_group'], unit='user') }},

final as (

    select * from roi

)

select * from final
