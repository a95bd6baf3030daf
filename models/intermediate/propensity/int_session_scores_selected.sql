-- One row per scored pseudo-session of the test period on every domain: the champion's score
-- (the candidate chosen on the validation window of the current model version, see
-- propensity_model_registry) and that version, its decile within the domain (1 = highest
-- scores), the tuned-threshold flag, the label. The scores every targeting mart reads;
-- session_scores serves them. A view: the decile and the targeted flag come from the domain's
-- cut rows, so a new day rewrites no stored score. Those are int_session_score_cutoffs_ranked's
-- (the full build's) while they cover every domain and model version scored; else (a daily job
-- that retrained, a domain the last full build did not score) this view cuts the scores itself.
-- depends_on: {{ ref('int_session_score_cutoffs_ranked') }}
{{ config(materialized='view') }}
{%- set cuts_are_current = stored_score_cuts_are_current(
    ref('int_session_scores_filtered'), ref('int_session_score_cutoffs_ranked')
) %}
with

session_scores as (

    select * from {{ ref('int_session_scores_filtered') }}

),

cutoffs as (

    {%- if cuts_are_current %}
    select * from {{ ref('int_session_score_cutoffs_ranked') }}
    {%- else %}
    {{ session_score_cut_rows('session_scores') }}
    {%- endif %}

),

final as (

    select
        session_scores.pseudo_session_id,
        session_scores.machine_id,
        session_scores.event_date,
        session_scores.domain_name,
        {{ is_primary_domain('session_scores.domain_name') }} as is_primary_domain,
        session_scores.split,
        session_scores.model_name,
        session_scores.model_version_id,
        session_scores.score,
        -- 1 + the deciles whose last row ranks ahead of this one: ntile(10) over the ranking
        cast(
            1
            {%- for decile in range(1, 10) %}
            + case when {{ ranks_after_cut('session_scores', 'cutoffs.decile_' ~ decile ~ '_last') }}
                    then 1
                else 0
            end
            {%- endfor %}
            as bigint
        ) as score_decile,
        session_scores.is_predicted_positive,
        session_scores.actual as is_actual_positive,
        -- the top var('target_fraction') of the domain's scored sessions: whom targeting_roi
        -- contacts (none when that rounds to 0 and there is no cut row)
        coalesce(
            not {{ ranks_after_cut('session_scores', 'cutoffs.targeted_last') }},
            false
        ) as is_targeted
    from session_scores
    inner join cutoffs
        on session_scores.domain_name = cutoffs.domain_name
        and session_scores.model_version_id = cutoffs.model_version_id

)

select * from final
