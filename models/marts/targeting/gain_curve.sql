-- Cumulative gain and lift at each targeted share 1%..100% per group, with the random and the
-- perfect-model reference curves. The curves start at the origin (0% targeted, 0% gained),
-- which is implied rather than stored; the point at p% targets the top ceil(p% * N) sessions.
with

ranked as (

    select * from {{ ref('int_session_scores_ranked') }}

),

{{ gain_curve_ctes('ranked') }},

final as (

    select * from gain

)

select * from final
