-- One row per domain: where the champion's test-period ranking (score desc, ties by
-- pseudo_session_id) is cut into deciles and into the targeted top fraction
-- (macros/targeting.sql, session_score_cut_rows). int_session_scores_selected gives each session
-- its decile by comparing it with these rows. The daily job (selectors.yml) keeps the last full
-- build's rows: a new day's sessions are placed in last week's cuts, and a day costs what the
-- day adds, not a sort of every test-period score.
with

session_scores as (

    select * from {{ ref('int_session_scores_filtered') }}

),

final as (

    {{ session_score_cut_rows('session_scores') }}

)

select * from final
