-- One row per domain: where the champion's test-period ranking (score desc, ties by
-- pseudo_session_id) is cut into deciles and into the targeted top fraction. The rank sort runs
-- once, here, over three columns; int_session_scores_selected gives each session its decile by
-- comparing it with these cut rows, so the daily job writes a handful of rows, not every score.
with

session_scores as (

    select * from {{ ref('int_session_scores_filtered') }}

),

ranked as (

    select
        domain_name,
        score,
        pseudo_session_id,
        row_number() over (
            partition by domain_name
            order by score desc, pseudo_session_id
        ) as score_rank,
        count(*) over (partition by domain_name) as scored_sessions
    from session_scores

),

cut_rows as (

    select *
    from ranked
    where score_rank in (
            {%- for decile in range(1, 10) %}
            {{ decile_last_rank(decile, 'scored_sessions') }},
            {%- endfor %}
            {{ targeted_count(sql_literal(var('target_fraction')), 'scored_sessions') }}
        )

),

final as (

    select
        domain_name,
        cast(scored_sessions as bigint) as scored_sessions,
        {{ targeted_count(sql_literal(var('target_fraction')), 'scored_sessions') }} as targeted_sessions,
        {%- for decile in range(1, 10) %}
        max(case
            when score_rank = {{ decile_last_rank(decile, 'scored_sessions') }} then score
        end) as decile_{{ decile }}_last_score,
        max(case
            when score_rank = {{ decile_last_rank(decile, 'scored_sessions') }} then pseudo_session_id
        end) as decile_{{ decile }}_last_pseudo_session_id,
        {%- endfor %}
        max(case
            when score_rank = {{ targeted_count(sql_literal(var('target_fraction')), 'scored_sessions') }}
                then score
        end) as targeted_last_score,
        max(case
            when score_rank = {{ targeted_count(sql_literal(var('target_fraction')), 'scored_sessions') }}
                then pseudo_session_id
        end) as targeted_last_pseudo_session_id
    from cut_rows
    group by
        domain_name,
        scored_sessions

)

select * from final
