-- The campaign gain curves never decrease, never beat the perfect model, and capture every
-- prompted user when the whole population is targeted.
with

curve as (

    select
        evaluated_population,
        loss,
        targeted_percent,
        cumulative_gain,
        perfect_gain,
        lag(cumulative_gain) over (
            partition by evaluated_population, loss
            order by targeted_percent
        ) as previous_gain
    from {{ ref('campaign_gain_curve') }}

)

select *
from curve
where cumulative_gain < previous_gain
    or cumulative_gain > perfect_gain + 1e-9
    or (targeted_percent = 100 and abs(cumulative_gain - 1.0) > 1e-9)
