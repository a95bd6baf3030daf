-- ROC and precision-recall curves of every registry model on the test period (document 000
-- Table 1, drawn), per domain and for all non-primary domains together, at no more than
-- 100 points per curve: sessions are ranked by score (ties kept together), and each point is
-- the lowest score of one percent of the ranked sessions. A point at threshold t counts every
-- session scored >= t as predicted positive. The ROC curve's origin (0, 0) is implied.
{%- set points_per_curve = 100 %}

with

predictions as (

    select * from {{ ref('propensity_predictions') }}

),

test_predictions as (

    {{ rows_by_domain_group('predictions', ['model_name', 'score', 'actual'], where="split = 'test'") }}

),

by_score as (

    select
        model_name,
        domain_group,
        score,
        count(*) as sessions,
        count(case when actual then 1 end) as positives

    from test_predictions

    group by
        model_name,
        domain_group,
        score

),

cumulative as (

    select
        model_name,
        domain_group,
        score,
        cast(sum(sessions) over (
            partition by model_name, domain_group
            order by score desc
            rows between unbounded preceding and current row
        ) as bigint) as sessions_at_or_above,
        cast(sum(positives) over (
            partition by model_name, domain_group
            order by score desc
            rows between unbounded preceding and current row
        ) as bigint) as positives_at_or_above,
        cast(sum(sessions) over (partition by model_name, domain_group) as bigint) as group_sessions,
        cast(sum(positives) over (partition by model_name, domain_group) as bigint) as group_positives

    from by_score

),

bucketed as (

    select
        *,
        cast(ceil({{ points_per_curve }} * cast(sessions_at_or_above as double) / group_sessions) as integer)
            as point_bucket,
        row_number() over (
            partition by
                model_name,
                domain_group,
                cast(ceil({{ points_per_curve }} * cast(sessions_at_or_above as double) / group_sessions) as integer)
            order by score
        ) as rank_in_bucket

    from cumulative

),

final as (

    select
        model_name,
        domain_group,
        -- ranks are BIGINT on DuckDB, INT on Spark: cast to the contract's type
        cast(row_number() over (
            partition by model_name, domain_group
            order by score desc
        ) as bigint) as point_order,
        score as threshold,
        sessions_at_or_above as predicted_positives,
        positives_at_or_above as true_positives,
        sessions_at_or_above - positives_at_or_above as false_positives,
        group_sessions,
        group_positives,
        cast(sessions_at_or_above as double) / group_sessions as predicted_positive_share,
        case
            when group_positives > 0
                then cast(positives_at_or_above as double) / group_positives
        end as true_positive_rate,
        case
            when group_sessions > group_positives
                then cast(sessions_at_or_above - positives_at_or_above as double) / (group_sessions - group_positives)
        end as false_positive_rate,
        cast(positives_at_or_above as double) / sessions_at_or_above as precision

    from bucketed

    where rank_in_bucket = 1

)

select * from final
