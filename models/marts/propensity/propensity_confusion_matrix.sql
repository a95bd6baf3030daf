-- Confusion matrix at each model's tuned threshold, per split and domain, plus all non-primary
-- domains together on the test period (document 000 Figures 13-14, Table 2).
with

predictions as (

    select * from {{ ref('propensity_predictions') }}

),

by_domain as (

    select
        model_name,
        split,
        domain_name,
        is_predicted_positive,
        actual as is_actual_positive

    from predictions

),

non_primary_test as (

    select
        model_name,
        split,
        'all non-primary domains' as domain_name,
        is_predicted_positive,
        actual as is_actual_positive

    from predictions

    where split = 'test'
        and domain_name != {{ sql_literal(var('primary_domain')) }}

),

unioned as (

    select * from by_domain
    union all
    select * from non_primary_test

),

final as (

    select
        model_name,
        split,
        domain_name,
        is_actual_positive,
        is_predicted_positive,
        case
            when is_actual_positive and is_predicted_positive then 'true positive'
            when is_actual_positive then 'false negative'
            when is_predicted_positive then 'false positive'
            else 'true negative'
        end as outcome,
        count(*) as pseudo_sessions

    from unioned

    group by
        model_name,
        split,
        domain_name,
        is_actual_positive,
        is_predicted_positive

)

select * from final
