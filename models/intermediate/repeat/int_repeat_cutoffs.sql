-- The cutoffs of the repeat-purchase forecast (rolling origin). The scored cutoff is var
-- repeat_cutoff_date, by default the latest date whose whole horizon lies in the data (the
-- forecast can then be checked against what happened); the validation cutoff is one horizon
-- earlier, and var repeat_training_cutoffs training cutoffs follow, one horizon apart. A
-- cutoff's outcome is the purchases in [cutoff, cutoff + horizon): the validation outcomes end
-- where the scored horizon starts, and every training outcome ends by the validation cutoff,
-- so no model is fitted or chosen on the outcomes it is judged on.
{%- set horizon = repeat_horizon_days() %}
{%- set cutoff_count = repeat_training_cutoffs() + 2 %}

with

purchase_days as (

    select * from {{ ref('int_transactions_aggregated_to_pseudo_sessions') }}

),

visit_days as (

    select * from {{ ref('int_sessions_aggregated_to_pseudo_sessions') }}

),

data_end as (

    select max(event_date) as last_event_date
    from (
        select event_date from purchase_days
        union all
        select event_date from visit_days
    ) as events

),

scored as (

    select
        last_event_date,
        {% if var('repeat_cutoff_date') -%}
        cast({{ sql_literal(var('repeat_cutoff_date')) }} as date) as scored_cutoff_date
        {%- else -%}
        cast({{ dbt.dateadd('day', 1 - horizon, 'last_event_date') }} as date) as scored_cutoff_date
        {%- endif %}
    from data_end
    where last_event_date is not null

),

cutoff_numbers as (

    {{ dbt.generate_series(cutoff_count) }}

),

cutoffs as (

    select
        cutoff_numbers.generated_number - 1 as cutoff_index,
        scored.last_event_date,
        cast(
            {{ dbt.dateadd('day', '(1 - cutoff_numbers.generated_number) * ' ~ horizon, 'scored.scored_cutoff_date') }}
            as date
        ) as cutoff_date
    from scored
    cross join cutoff_numbers

),

final as (

    select
        cutoff_index,
        case
            when cutoff_index = 0 then 'scored'
            when cutoff_index = 1 then 'validation'
            else 'training'
        end as cutoff_role,
        cutoff_date,
        cast({{ dbt.dateadd('day', horizon, 'cutoff_date') }} as date) as horizon_end_date,
        {{ horizon }} as horizon_days,
        cast({{ dbt.dateadd('day', horizon - 1, 'cutoff_date') }} as date) <= last_event_date as is_horizon_observed
    from cutoffs

)

select * from final
