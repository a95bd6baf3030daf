-- Lift per score decile (1 = top 10% of the scored sessions of the group) and cumulative gain.
with

ranked as (

    select * from {{ ref('int_session_scores_ranked') }}

),

{{ lift_by_decile_ctes('ranked') }},

final as (

    select * from lift

)

select * from final
