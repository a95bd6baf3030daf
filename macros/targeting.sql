{#-
  Lift and ROI of targeting the top-scored rows - sessions (document 000 §8, computed right: the
  top fraction is taken of the scored set of each group, not of a frame that includes training
  rows) or customers (the repeat-purchase forecast, issue 20). `unit` names what is scored
  (session or user): it names the columns (group_sessions, users_targeted, cost_per_user_usd ...).

  Rounding rule: targeting a fraction f of N scored rows contacts the top ceil(f * N) of them -
  at least the fraction asked for. Ties in score are split by the id columns, so a cut can fall
  inside a tie, the same way every run.
-#}

{% macro targeted_count(fraction, scored) -%}
    {#- How many of `scored` rows targeting `fraction` contacts: ceil(f * N). -#}
    cast(ceil({{ fraction }} * {{ scored }}) as bigint)
{%- endmacro %}


{% macro champion_predictions(predictions, registry, condition) -%}
    {#- The rows of `predictions` scored by the champion of `registry` (its candidate
        is_champion) that meet `condition`: the scores the propensity and repeat marts serve. -#}
    select {{ predictions }}.*
    from {{ predictions }}
    inner join {{ registry }}
        on {{ predictions }}.model_name = {{ registry }}.model_name
    where {{ registry }}.is_champion
        and {{ condition }}
{%- endmacro %}


{% macro decile_last_rank(decile, scored) -%}
    {#- The rank of the last row of `decile` when ntile(10) splits `scored` ranked rows: each
        decile holds floor(N / 10) rows, and the first N mod 10 deciles one more. -#}
    ({{ decile }} * cast(floor({{ scored }} / 10) as bigint) + least({{ decile }}, {{ scored }} % 10))
{%- endmacro %}


{% macro session_score_cut_rows(session_scores) -%}
    {#- One row per domain and model version of `session_scores` (one version in practice: a
        new version rescores every row): where their ranking (score desc, ties by
        pseudo_session_id) is cut - the last row of each of
        deciles 1-9 as ntile(10) splits it and of the targeted top var target_fraction, as its
        score and pseudo_session_id (decile_<n>_last_*, targeted_last_*). The rank sort runs
        over three columns; the sessions get their decile by comparing with these rows
        (int_session_scores_selected). -#}
    {%- set cut_ranks = {} -%}
    {%- for decile in range(1, 10) -%}
        {%- do cut_ranks.update({'decile_' ~ decile: decile_last_rank(decile, 'scored_sessions')}) -%}
    {%- endfor -%}
    {%- do cut_ranks.update({'targeted': targeted_count(sql_literal(var('target_fraction')), 'scored_sessions')}) -%}
    select
        domain_name,
        model_version_id,
        cast(scored_sessions as bigint) as scored_sessions,
        {{ cut_ranks['targeted'] }} as targeted_sessions,
        {%- for cut, cut_rank in cut_ranks.items() %}
        max(case when score_rank = {{ cut_rank }} then score end) as {{ cut }}_last_score,
        max(case when score_rank = {{ cut_rank }} then pseudo_session_id end) as {{ cut }}_last_pseudo_session_id
        {{- "," if not loop.last }}
        {%- endfor %}
    from (
        select
            domain_name,
            model_version_id,
            score,
            pseudo_session_id,
            row_number() over (
                partition by domain_name, model_version_id
                order by score desc, pseudo_session_id
            ) as score_rank,
            count(*) over (partition by domain_name, model_version_id) as scored_sessions
        from {{ session_scores }}
    ) as ranked
    where score_rank in ({{ cut_ranks.values() | join(', ') }})
    group by
        domain_name,
        model_version_id,
        scored_sessions
{%- endmacro %}


{% macro stored_score_cuts_are_current(session_scores, cutoffs) -%}
    {#- True when the stored cut rows (`cutoffs`, int_session_score_cutoffs_ranked as the last full
        build left it) cover every domain and model version of `session_scores`: the daily job
        places a new day's sessions in them. False after a day that retrained (another version
        scored the rows), for a domain they miss, or without the table. -#}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set stored = adapter.get_relation(database=cutoffs.database, schema=cutoffs.schema,
                                          identifier=cutoffs.identifier) -%}
    {#- (a table of an older layout, without model_version_id, is not current either) -#}
    {%- if stored is none or 'model_version_id' not in adapter.get_columns_in_relation(stored)
        | map(attribute='name') | map('lower') | list -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set uncovered -%}
        select count(*)
        from (select distinct domain_name, model_version_id from {{ session_scores }}) as scored
        left join {{ stored }} as cuts
            on scored.domain_name = cuts.domain_name
            and scored.model_version_id = cuts.model_version_id
        where cuts.domain_name is null
    {%- endset -%}
    {{ return(run_query(uncovered).columns[0].values()[0] == 0) }}
{%- endmacro %}


{% macro ranks_after_cut(rows, cut) -%}
    {#- True when the row of `rows` comes after the cut row in the ranking by score desc, ties by
        pseudo_session_id (the cut row's columns are `cut`_score and `cut`_pseudo_session_id);
        null when there is no cut row. -#}
    ({{ rows }}.score < {{ cut }}_score
        or ({{ rows }}.score = {{ cut }}_score
            and {{ rows }}.pseudo_session_id > {{ cut }}_pseudo_session_id))
{%- endmacro %}


{% macro rank_scored_rows(scored_rows, group_columns, id_columns=['pseudo_session_id'], unit='session') -%}
    select
        {{ group_columns | join(', ') }},
        {{ id_columns | join(', ') }},
        score,
        is_actual_positive,
        -- BIGINT on both engines (a rank is INT on Spark)
        cast(row_number() over (
            partition by {{ group_columns | join(', ') }}
            order by score desc, {{ id_columns | join(', ') }}
        ) as bigint) as score_rank,
        count(*) over (partition by {{ group_columns | join(', ') }}) as group_{{ unit }}s,
        count(case when is_actual_positive then 1 end) over (
            partition by {{ group_columns | join(', ') }}
        ) as group_conversions,
        count(case when is_actual_positive then 1 end) over (
            partition by {{ group_columns | join(', ') }}
            order by score desc, {{ id_columns | join(', ') }}
            rows between unbounded preceding and current row
        ) as cumulative_conversions
    from {{ scored_rows }}
{%- endmacro %}


{% macro targeting_roi_ctes(ranked_rows, scenarios, order_values, group_columns, unit='session') -%}
    {#-
      CTEs ending in `roi`: one row per group and scenario (target_fraction, cost_per_<unit>_usd)
      with the top-ceil(f * N) outcome, lift, incremental orders = N_top * (CR_top - CR_base),
      revenue = orders * AOV, cost = N_top * cost per contact, profit, ROI = profit / cost, and
      the break-even cost per contact (revenue / N_top).
    -#}
    targeting_groups as (

        select distinct
            {{ group_columns | join(', ') }},
            group_{{ unit }}s,
            group_conversions
        from {{ ranked_rows }}

    ),

    targeting_outcomes as (

        select
            {% for column in group_columns -%}
            targeting_groups.{{ column }},
            {% endfor -%}
            scenarios.target_fraction,
            scenarios.cost_per_{{ unit }}_usd,
            targeting_groups.group_{{ unit }}s as {{ unit }}s_scored,
            targeting_groups.group_conversions as conversions_scored,
            ranked.score_rank as {{ unit }}s_targeted,
            ranked.cumulative_conversions as conversions_targeted,
            order_values.avg_order_value_usd
        from targeting_groups
        cross join {{ scenarios }} as scenarios
        inner join {{ ranked_rows }} as ranked
            on ranked.score_rank = {{ targeted_count('scenarios.target_fraction', 'targeting_groups.group_' ~ unit ~ 's') }}
            {% for column in group_columns -%}
            and ranked.{{ column }} = targeting_groups.{{ column }}
            {% endfor -%}
        left join {{ order_values }} as order_values
            on {% for column in group_columns -%}
            {{ "and " if not loop.first }}order_values.{{ column }} = targeting_groups.{{ column }}
            {% endfor %}

    ),

    targeting_rates as (

        select
            *,
            cast(conversions_targeted as double) / {{ unit }}s_targeted as conversion_rate_targeted,
            cast(conversions_scored as double) / {{ unit }}s_scored as conversion_rate_base
        from targeting_outcomes

    ),

    targeting_orders as (

        select
            *,
            case when conversion_rate_base > 0 then conversion_rate_targeted / conversion_rate_base end as lift,
            {{ unit }}s_targeted * (conversion_rate_targeted - conversion_rate_base) as incremental_orders,
            {{ unit }}s_targeted * cost_per_{{ unit }}_usd as cost_usd
        from targeting_rates

    ),

    targeting_revenue as (

        select
            *,
            incremental_orders * avg_order_value_usd as incremental_revenue_usd
        from targeting_orders

    ),

    roi as (

        select
            *,
            incremental_revenue_usd - cost_usd as profit_usd,
            case when cost_usd > 0 then (incremental_revenue_usd - cost_usd) / cost_usd end as roi,
            incremental_revenue_usd / {{ unit }}s_targeted as break_even_cost_per_{{ unit }}_usd
        from targeting_revenue

    )
{%- endmacro %}


{% macro scenario_rows(fractions, costs, unit='session') -%}
    {#- Every (target_fraction, cost_per_<unit>_usd) pair of two lists (var values), as a union of literals. -#}
    {%- for fraction in fractions -%}
    {%- set outer_loop = loop -%}
    {%- for cost in costs %}
    select cast({{ sql_literal(fraction) }} as double) as target_fraction, cast({{ sql_literal(cost) }} as double) as cost_per_{{ unit }}_usd
    {% if not (outer_loop.last and loop.last) %}union all{% endif %}
    {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}


{% macro lift_by_decile_ctes(ranked_rows, unit='session') -%}
    {#- CTEs ending in `lift`: per domain_group and score decile (1 = top 10% of the group's scored
        rows) the rows, conversions, score range, conversion rate, lift over the group's base
        rate, and the cumulative share, gain and lift down to that decile. -#}
    with_decile as (

        select
            *,
            -- ntile semantics: when N is not a multiple of 10 the first N mod 10 deciles get one extra row
            -- (BIGINT on DuckDB, INT on Spark: cast to the contract's type)
            cast(ntile(10) over (partition by domain_group order by score_rank) as bigint) as score_decile
        from {{ ranked_rows }}

    ),

    deciles as (

        select
            domain_group,
            score_decile,
            count(*) as {{ unit }}s,
            count(case when is_actual_positive then 1 end) as conversions,
            max(group_{{ unit }}s) as group_{{ unit }}s,
            max(group_conversions) as group_conversions,
            min(score) as min_score,
            max(score) as max_score
        from with_decile
        group by
            domain_group,
            score_decile

    ),

    cumulative as (

        select
            *,
            -- counts stay BIGINT (a sum of BIGINT is HUGEINT in DuckDB)
            cast(sum({{ unit }}s) over (partition by domain_group order by score_decile) as bigint)
                as cumulative_{{ unit }}s,
            cast(sum(conversions) over (partition by domain_group order by score_decile) as bigint)
                as cumulative_conversions
        from deciles

    ),

    lift as (

        select
            domain_group,
            score_decile,
            {{ unit }}s,
            conversions,
            min_score,
            max_score,
            cast(conversions as double) / {{ unit }}s as conversion_rate,
            cast(group_conversions as double) / group_{{ unit }}s as base_conversion_rate,
            case
                when group_conversions > 0
                    then (cast(conversions as double) / {{ unit }}s)
                        / (cast(group_conversions as double) / group_{{ unit }}s)
            end as lift,
            cast(cumulative_{{ unit }}s as double) / group_{{ unit }}s as cumulative_{{ unit }}s_share,
            case
                when group_conversions > 0
                    then cast(cumulative_conversions as double) / group_conversions
            end as cumulative_gain,
            case
                when group_conversions > 0
                    then (cast(cumulative_conversions as double) / cumulative_{{ unit }}s)
                        / (cast(group_conversions as double) / group_{{ unit }}s)
            end as cumulative_lift
        from cumulative

    )
{%- endmacro %}


{% macro gain_curve_ctes(ranked_rows, unit='session') -%}
    {#- CTEs ending in `gain`: cumulative gain and lift at each targeted share 1%..100% per
        domain_group, with the random and the perfect-model reference curves; the point at p%
        targets the top ceil(p% * N) rows. The curves start at the origin (0% targeted, 0%
        gained), which is implied rather than stored. -#}
    percent_points as (

        {{ dbt.generate_series(100) }}

    ),

    groups as (

        select distinct
            domain_group,
            group_{{ unit }}s,
            group_conversions
        from {{ ranked_rows }}

    ),

    points as (

        select
            groups.domain_group,
            groups.group_{{ unit }}s,
            groups.group_conversions,
            -- generate_series numbers rows: BIGINT on DuckDB, INT on Spark
            cast(percent_points.generated_number as bigint) as targeted_percent,
            cast(ceil(percent_points.generated_number * groups.group_{{ unit }}s / 100.0) as bigint)
                as {{ unit }}s_targeted
        from groups
        cross join percent_points

    ),

    gain as (

        select
            points.domain_group,
            points.targeted_percent,
            cast(points.targeted_percent as double) / 100 as targeted_share,
            points.{{ unit }}s_targeted,
            ranked.cumulative_conversions as conversions_captured,
            case
                when points.group_conversions > 0
                    then cast(ranked.cumulative_conversions as double) / points.group_conversions
            end as cumulative_gain,
            case
                when points.group_conversions > 0
                    then (cast(ranked.cumulative_conversions as double) / points.{{ unit }}s_targeted)
                        / (cast(points.group_conversions as double) / points.group_{{ unit }}s)
            end as cumulative_lift,
            cast(points.{{ unit }}s_targeted as double) / points.group_{{ unit }}s as random_model_gain,
            case
                when points.group_conversions > 0
                    then cast(least(points.{{ unit }}s_targeted, points.group_conversions) as double)
                        / points.group_conversions
            end as perfect_model_gain
        from points
        inner join {{ ranked_rows }} as ranked
            on ranked.domain_group = points.domain_group
            and ranked.score_rank = points.{{ unit }}s_targeted

    )
{%- endmacro %}
