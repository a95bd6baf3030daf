-- The activation hand-off (document 004 §4.5): the machines to contact on the run date, per
-- domain. The list date is the day before var run_date (null: the last scored event date); each
-- machine stands with its best-scored session of that day under the current model version, and
-- is listed when that score is at or above the champion's threshold (var target_list_rule
-- threshold) or ranks in the top var target_fraction of the day's scored machines on the domain
-- (top_fraction), with its persona. Exported per run date to Parquet and CSV under
-- <exports_dir>/target_lists/ (macros/target_lists.sql).
{%- set rule = var('target_list_rule') %}
{%- if execute and rule not in ['threshold', 'top_fraction'] %}
    {{ exceptions.raise_compiler_error(
        "var target_list_rule must be threshold or top_fraction, got " ~ rule) }}
{%- endif %}
{#- the day before the run date, else the last scored event date (one row: max of a constant is it) -#}
{%- set list_date = 'event_date' if not var('run_date') else 'cast(' ~ dbt.dateadd(
    'day', -1, 'cast(' ~ sql_literal(var('run_date')) ~ ' as date)') ~ ' as date)' %}

with

session_scores as (

    select * from {{ ref('int_session_scores_selected') }}

),

user_segments as (

    select * from {{ ref('user_segments') }}

),

list_day as (

    select
        max({{ list_date }}) as list_date
    from session_scores

),

day_scores as (

    select session_scores.*
    from session_scores
    inner join list_day
        on session_scores.event_date = list_day.list_date

),

machine_sessions as (

    select
        *,
        -- a machine's best session of the day stands for it; ties broken by key
        row_number() over (
            partition by domain_name, machine_id
            order by score desc, pseudo_session_id
        ) as session_rank,
        count(*) over (partition by domain_name, machine_id) as sessions_scored
    from day_scores

),

ranked_machines as (

    select
        *,
        cast(row_number() over (
            partition by domain_name
            order by score desc, machine_id
        ) as bigint) as target_rank,
        count(*) over (partition by domain_name) as machines_scored
    from machine_sessions
    where session_rank = 1

),

selected as (

    select *
    from ranked_machines
    {%- if rule == 'threshold' %}
    where is_predicted_positive
    {%- else %}
    where target_rank <= {{ targeted_count(sql_literal(var('target_fraction')), 'machines_scored') }}
    {%- endif %}

),

final as (

    select
        cast({{ dbt.dateadd('day', 1, 'selected.event_date') }} as date) as run_date,
        selected.event_date as list_date,
        selected.domain_name,
        selected.is_primary_domain,
        selected.target_rank,
        selected.machine_id,
        selected.pseudo_session_id,
        selected.score,
        selected.is_predicted_positive as is_above_threshold,
        selected.model_name,
        selected.model_version_id,
        user_segments.persona,
        cast(selected.sessions_scored as bigint) as sessions_scored,
        cast(selected.machines_scored as bigint) as machines_scored,
        {{ sql_literal(rule) }} as target_list_rule
    from selected
    left join user_segments
        on selected.machine_id = user_segments.machine_id
        and selected.domain_name = user_segments.domain_name

)

select * from final
