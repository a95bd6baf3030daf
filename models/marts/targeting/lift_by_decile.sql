-- Lift per score decile (1 = top 10% of the scored sessions of the group) and cumulative gain.
with

ranked as (

    select * from {{ ref('int_session_scores_ranked') }}

),

with_decile as (

    select
        *,
        -- ntile semantics: when N is not a multiple of 10 the first N mod 10 deciles get one extra row
        -- (BIGINT on DuckDB, INT on Spark: cast to the contract's type)
        cast(ntile(10) over (partition by domain_group order by score_rank) as bigint) as score_decile
    from ranked

),

deciles as (

    select
        domain_group,
        score_decile,
        count(*) as sessions,
        count(case when is_actual_positive then 1 end) as conversions,
        max(group_sessions) as group_sessions,
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
        sum(sessions) over (partition by domain_group order by score_decile) as cumulative_sessions,
        sum(conversions) over (partition by domain_group order by score_decile) as cumulative_conversions
    from deciles

),

final as (

    select
        domain_group,
        score_decile,
        sessions,
        conversions,
        min_score,
        max_score,
        cast(conversions as double) / sessions as conversion_rate,
        cast(group_conversions as double) / group_sessions as base_conversion_rate,
        case
            when group_conversions > 0
                then (cast(conversions as double) / sessions) / (cast(group_conversions as double) / group_sessions)
        end as lift,
        cast(cumulative_sessions as double) / group_sessions as cumulative_sessions_share,
        case
            when group_conversions > 0
                then cast(cumulative_conversions as double) / group_conversions
        end as cumulative_gain,
        case
            when group_conversions > 0
                then (cast(cumulative_conversions as double) / cumulative_sessions)
                    / (cast(group_conversions as double) / group_sessions)
        end as cumulative_lift
    from cumulative

)

select * from final
