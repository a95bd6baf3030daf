-- The confusion counts at each threshold reproduce propensity_model_metrics' support, positives,
-- recall and accuracy for the same model, split, domain and threshold kind.
with

confusion as (

    select * from {{ ref('propensity_confusion_matrix') }}

),

model_metrics as (

    select * from {{ ref('propensity_model_metrics') }}

),

counted as (

    select
        model_name,
        split,
        domain_name,
        threshold_kind,
        sum(pseudo_sessions) as rows_counted,
        sum(case when is_actual_positive then pseudo_sessions else 0 end) as positives_counted,
        sum(case when outcome = 'true positive' then pseudo_sessions else 0 end) as true_positives,
        sum(case when outcome in ('true positive', 'true negative') then pseudo_sessions else 0 end) as correct

    from confusion

    group by
        model_name,
        split,
        domain_name,
        threshold_kind

)

select
    model_metrics.model_name,
    model_metrics.split,
    model_metrics.domain_name,
    model_metrics.threshold_kind
from model_metrics
left join counted
    on model_metrics.model_name = counted.model_name
    and model_metrics.split = counted.split
    and model_metrics.domain_name = counted.domain_name
    and model_metrics.threshold_kind = counted.threshold_kind
where counted.rows_counted is null
    or counted.rows_counted != model_metrics.rows
    or counted.positives_counted != model_metrics.positives
    or abs(cast(counted.correct as double) / counted.rows_counted - model_metrics.accuracy) > 1e-9
    or (
        counted.positives_counted > 0
        and abs(cast(counted.true_positives as double) / counted.positives_counted - model_metrics.recall) > 1e-9
    )
