-- Cumulative gain and lift of targeting the top 1%..100% of customers by the repeat-purchase
-- champion at the scored cutoff, with the random and perfect-model reference curves (the
-- session version is gain_curve); the point at p% targets the top ceil(p% * N) customers.
with

ranked as (

    select * from {{ ref('int_repeat_scores_ranked') }}

),

{{ gain_curve_ctes('ranked', unit='user') }},

final as (

    select * from gain

)

select * from final
