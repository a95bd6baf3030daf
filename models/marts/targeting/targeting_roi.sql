-- ROI of contacting the top var('target_fraction') of scored test sessions per domain (and all
-- non-primary domains together) at var('cost_per_session_usd') each (document 000 §8).
with

ranked as (

    select * from {{ ref('int_session_scores_ranked') }}

),

aov_by_domain as (

    select * from {{ ref('aov_by_domain') }}

),

scenario as (

    {{ scenario_rows([var('target_fraction')], [var('cost_per_session_usd')]) }}

),

{{ targeting_roi_ctes('ranked', 'scenario', 'aov_by_domain', ['domain_group']) }},

final as (

    select * from roi

)

select * from final
