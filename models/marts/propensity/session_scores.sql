-- The champion's test-period scores, served as they are: one row per scored pseudo-session on
-- every domain (int_session_scores_selected, which the targeting marts read; its YAML and this
-- mart's list the columns). A view: a copy of every score (2.4M rows at paper scale) was a
-- second of the daily job's critical path, and the export reads the rows either way.
{{ config(materialized='view') }}
with

session_scores as (

    select * from {{ ref('int_session_scores_selected') }}

),

final as (

    select * from session_scores

)

select * from final
