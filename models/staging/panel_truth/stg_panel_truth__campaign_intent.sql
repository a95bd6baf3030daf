{#- Ground truth for evaluation only: never a feature or a training label. Optional file. -#}
{%- set has_truth_file = panel_file_exists('truth/campaign_intent') -%}
{%- if not has_truth_file -%}
{{ log("No truth/campaign_intent file at " ~ panel_file_path('truth/campaign_intent') ~ ": campaign_model_metrics and campaign_gain_curve will be empty (evaluation skipped).", info=true) }}
{%- endif %}

with

source as (

    {% if has_truth_file -%}
    select
        machine_id,
        campaign_id,
        intent
    from {{ source('panel_truth', 'campaign_intent') }}
    {%- else -%}
    select
        cast(null as {{ dbt.type_string() }}) as machine_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as intent
    where 1 = 0
    {%- endif %}

),

final as (

    select
        cast(machine_id as bigint) as machine_id,
        trim(cast(campaign_id as {{ dbt.type_string() }})) as campaign_id,
        lower(trim(cast(intent as {{ dbt.type_string() }}))) as intent,
        lower(trim(cast(intent as {{ dbt.type_string() }}))) = 'prompted' as is_prompted
    from source

)

select * from final
