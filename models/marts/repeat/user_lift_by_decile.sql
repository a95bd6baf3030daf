-- Lift of targeting customers by the repeat-purchase champion: per decile of P(a purchase in the
-- horizon) at the scored cutoff (1 = top 10% of the group's customers), the buy rate against the
-- group's base rate, and the cumulative gain (the session version is lift_by_decile).
with

ranked as (

    select * from {{ ref('int_repeat_scores_ranked') }}

),

{{ lift_by_decile_ctes('ranked', unit='user') }},

final as (

    select * from lift

)

select * from final
