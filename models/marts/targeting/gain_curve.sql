-- Cumulative gain and lift at each targeted share 1%..100% per group, with the random and the
-- perfect-model reference curves. The curves start at the origin (0% targeted, 0% gained),
-- which is implied rather than stored; the point at p% targets the top ceil(p% * N) sessions.
with

ranked as (

    select * from {{ ref('int_session_scores_ranked') }}

),

percent_points as (

    {{ dbt.generate_series(100) }}

),

groups as (

    select distinct
        domain_group,
        group_sessions,
        group_conversions
    from ranked

),

points as (

    select
        groups.domain_group,
        groups.group_sessions,
        groups.group_conversions,
        -- generate_series numbers rows: BIGINT on DuckDB, INT on Spark
        cast(percent_points.generated_number as bigint) as targeted_percent,
        cast(ceil(percent_points.generated_number * groups.group_sessions / 100.0) as bigint) as sessions_targeted
    from groups
    cross join percent_points

),

final as (

    select
        points.domain_group,
        points.targeted_percent,
        cast(points.targeted_percent as double) / 100 as targeted_share,
        points.sessions_targeted,
        ranked.cumulative_conversions as conversions_captured,
        case
            when points.group_conversions > 0
                then cast(ranked.cumulative_conversions as double) / points.group_conversions
        end as cumulative_gain,
        case
            when points.group_conversions > 0
                then (cast(ranked.cumulative_conversions as double) / points.sessions_targeted)
                    / (cast(points.group_conversions as double) / points.group_sessions)
        end as cumulative_lift,
        cast(points.sessions_targeted as double) / points.group_sessions as random_model_gain,
        case
            when points.group_conversions > 0
                then cast(least(points.sessions_targeted, points.group_conversions) as double)
                    / points.group_conversions
        end as perfect_model_gain
    from points
    inner join ranked
        on ranked.domain_group = points.domain_group
        and ranked.score_rank = points.sessions_targeted

)

select * from final
