-- Confusion matrix of every model at its tuned threshold and at the default 0.5 threshold (both
-- as propensity_model_metrics applies them), per split and domain, plus all non-primary domains
-- together on the test period (document 000 Figures 13-14, Table 2).
with

predictions as (

    select * from {{ ref('propensity_predictions') }}

),

model_metrics as (

    select * from {{ ref('propensity_model_metrics') }}

),

thresholds as (

    select distinct
        model_name,
        threshold_kind,
        threshold
    from model_metrics

),

unioned as (

    {{ rows_by_domain_group(
        'predictions',
        ['model_name', 'split', 'score', 'actual as is_actual_positive'],
        group_column='domain_name',
        pooled_where="split = 'test'"
    ) }}

),

classified as (

    select
        unioned.model_name,
        unioned.split,
        unioned.domain_name,
        thresholds.threshold_kind,
        thresholds.threshold,
        unioned.is_actual_positive,
        unioned.score >= thresholds.threshold as is_predicted_positive

    from unioned

    inner join thresholds
        on unioned.model_name = thresholds.model_name

),

final as (

    select
        model_name,
        split,
        domain_name,
        threshold_kind,
        threshold,
        is_actual_positive,
        is_predicted_positive,
        case
            when is_actual_positive and is_predicted_positive then 'true positive'
            when is_actual_positive then 'false negative'
            when is_predicted_positive then 'false positive'
            else 'true negative'
        end as outcome,
        count(*) as pseudo_sessions

    from classified

    group by
        model_name,
        split,
        domain_name,
        threshold_kind,
        threshold,
        is_actual_positive,
        is_predicted_positive

)

select * from final
