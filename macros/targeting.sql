{#-
  Lift and ROI of targeting the top-scored sessions (document 000 §8, computed right: the top
  fraction is taken of the scored set of each group, not of a frame that includes training rows).

  Rounding rule: targeting a fraction f of N scored sessions contacts the top ceil(f * N) of
  them - at least the fraction asked for. Ties in score are split by pseudo_session_id, so a
  cut can fall inside a tie, the same way every run.
-#}

{% macro targeted_session_count(fraction, sessions) -%}
    {#- How many of `sessions` scored sessions targeting `fraction` contacts: ceil(f * N). -#}
    cast(ceil({{ fraction }} * {{ sessions }}) as integer)
{%- endmacro %}


{% macro rank_scored_sessions(scored_sessions, group_columns) -%}
    select
        {{ group_columns | join(', ') }},
        pseudo_session_id,
        score,
        is_actual_positive,
        -- BIGINT on both engines (a rank is INT on Spark)
        cast(row_number() over (
            partition by {{ group_columns | join(', ') }}
            order by score desc, pseudo_session_id
        ) as bigint) as score_rank,
        count(*) over (partition by {{ group_columns | join(', ') }}) as group_sessions,
        count(case when is_actual_positive then 1 end) over (
            partition by {{ group_columns | join(', ') }}
        ) as group_conversions,
        count(case when is_actual_positive then 1 end) over (
            partition by {{ group_columns | join(', ') }}
            order by score desc, pseudo_session_id
            rows between unbounded preceding and current row
        ) as cumulative_conversions
    from {{ scored_sessions }}
{%- endmacro %}


{% macro targeting_roi_ctes(ranked_sessions, scenarios, order_values, group_columns) -%}
    {#-
      CTEs ending in `roi`: one row per group and scenario (target_fraction, cost_per_session_usd)
      with the top-ceil(f * N) outcome, lift, incremental orders = N_top * (CR_top - CR_base),
      revenue = orders * AOV, cost = N_top * cost per session, profit, ROI = profit / cost, and
      the break-even cost per session (revenue / N_top).
    -#}
    targeting_groups as (

        select distinct
            {{ group_columns | join(', ') }},
            group_sessions,
            group_conversions
        from {{ ranked_sessions }}

    ),

    targeting_outcomes as (

        select
            {% for column in group_columns -%}
            targeting_groups.{{ column }},
            {% endfor -%}
            scenarios.target_fraction,
            scenarios.cost_per_session_usd,
            targeting_groups.group_sessions as sessions_scored,
            targeting_groups.group_conversions as conversions_scored,
            ranked.score_rank as sessions_targeted,
            ranked.cumulative_conversions as conversions_targeted,
            order_values.avg_order_value_usd
        from targeting_groups
        cross join {{ scenarios }} as scenarios
        inner join {{ ranked_sessions }} as ranked
            on ranked.score_rank = {{ targeted_session_count('scenarios.target_fraction', 'targeting_groups.group_sessions') }}
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
            cast(conversions_targeted as double) / sessions_targeted as conversion_rate_targeted,
            cast(conversions_scored as double) / sessions_scored as conversion_rate_base
        from targeting_outcomes

    ),

    targeting_orders as (

        select
            *,
            case when conversion_rate_base > 0 then conversion_rate_targeted / conversion_rate_base end as lift,
            sessions_targeted * (conversion_rate_targeted - conversion_rate_base) as incremental_orders,
            sessions_targeted * cost_per_session_usd as cost_usd
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
            incremental_revenue_usd / sessions_targeted as break_even_cost_per_session_usd
        from targeting_revenue

    )
{%- endmacro %}


{% macro scenario_rows(fractions, costs) -%}
    {#- Every (target_fraction, cost_per_session_usd) pair of two lists (var values), as a union of literals. -#}
    {%- for fraction in fractions -%}
    {%- set outer_loop = loop -%}
    {%- for cost in costs %}
    select cast({{ sql_literal(fraction) }} as double) as target_fraction, cast({{ sql_literal(cost) }} as double) as cost_per_session_usd
    {% if not (outer_loop.last and loop.last) %}union all{% endif %}
    {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}
