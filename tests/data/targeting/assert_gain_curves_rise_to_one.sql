-- Cumulative gain never decreases along the curve and ends at 1.0 (every conversion captured
-- when everyone is targeted), for the model, in lift_by_decile and in gain_curve.
with

curve as (

    select
        domain_group,
        targeted_percent as position,
        cumulative_gain,
        lag(cumulative_gain) over (partition by domain_group order by targeted_percent) as previous_gain,
        targeted_percent = 100 as is_last
    from {{ ref('gain_curve') }}

    union all

    select
        domain_group,
        score_decile as position,
        cumulative_gain,
        lag(cumulative_gain) over (partition by domain_group order by score_decile) as previous_gain,
        score_decile = 10 as is_last
    from {{ ref('lift_by_decile') }}

)

select *
from curve
where cumulative_gain is not null
    and (
        cumulative_gain < previous_gain
        or (is_last and abs(cumulative_gain - 1.0) > 1e-9)
    )
