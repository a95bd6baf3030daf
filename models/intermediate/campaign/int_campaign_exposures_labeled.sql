-- One row per campaign exposure with its observed outcome label (document 004 §3.1), from the
-- campaign window [exposed_date, exposed_date + campaign_window_days] on the campaign domain:
--   engaged   - engaged with the campaign and bought on or after the engagement day in the window;
--   unengaged - bought in the window, but not after engaging with the campaign;
--   inactive  - no purchase in the window.
-- campaign_split is per campaign and temporal: train when the whole campaign (every window)
-- ends before var campaign_test_from, test when it starts on or after it, gap when it straddles
-- it, open when a window runs past the last day of data. Only outcomes live here; features
-- (strictly before exposure) are in int_campaign_exposures_featurized.
-- An orders-only panel (var panel_has_sessions false) labels no exposure: the campaign models
-- read browsing history, so they build empty (base_comscore__sessions logs why).
{%- if panel_has_sessions() and not panel_file_exists('campaign_exposures') %}
{{ log("Campaign models skipped: no campaign_exposures file at " ~ panel_file_path('campaign_exposures') ~ "; int_campaign_*, campaign_stage1/stage2 predictions, campaign_targets, campaign_model_metrics and campaign_gain_curve build empty.", info=true) }}
{%- endif %}

with

exposures as (

    select * from {{ ref('stg_comscore__campaign_exposures') }}
    {%- if not panel_has_sessions() %}
    where 1 = 0
    {%- endif %}

),

pseudo_sessions as (

    select * from {{ ref('int_pseudo_sessions_joined') }}

),

purchase_days as (

    select
        machine_id,
        event_date
    from pseudo_sessions
    where domain_name = {{ sql_literal(var('campaign_domain')) }}
        and converted

),

data_end as (

    select max(event_date) as last_event_date
    from pseudo_sessions

),

exposure_windows as (

    select
        machine_id,
        campaign_id,
        exposed_date,
        channel,
        engaged_date,
        is_engaged,
        cast({{ dbt.dateadd('day', sql_literal(var('campaign_window_days')), 'exposed_date') }} as date)
            as window_end_date
    from exposures

),

window_purchases as (

    select
        exposure_windows.machine_id,
        exposure_windows.campaign_id,
        count(purchase_days.event_date) as purchase_days_in_window,
        min(purchase_days.event_date) as first_purchase_date_in_window,
        max(
            case when purchase_days.event_date >= exposure_windows.engaged_date then 1 else 0 end
        ) as has_purchase_after_engagement
    from exposure_windows
    left join purchase_days
        on exposure_windows.machine_id = purchase_days.machine_id
        and purchase_days.event_date >= exposure_windows.exposed_date
        and purchase_days.event_date <= exposure_windows.window_end_date
    group by
        exposure_windows.machine_id,
        exposure_windows.campaign_id

),

campaign_spans as (

    select
        campaign_id,
        min(exposed_date) as campaign_start_date,
        max(window_end_date) as campaign_end_date
    from exposure_windows
    group by campaign_id

),

labeled as (

    select
        exposure_windows.*,
        window_purchases.purchase_days_in_window,
        window_purchases.first_purchase_date_in_window,
        case
            when window_purchases.purchase_days_in_window = 0 then 'inactive'
            when exposure_windows.is_engaged and window_purchases.has_purchase_after_engagement = 1 then 'engaged'
            else 'unengaged'
        end as campaign_label,
        case
            when campaign_spans.campaign_end_date > data_end.last_event_date then 'open'
            when campaign_spans.campaign_start_date >= cast({{ sql_literal(var('campaign_test_from')) }} as date)
                then 'test'
            when campaign_spans.campaign_end_date < cast({{ sql_literal(var('campaign_test_from')) }} as date)
                then 'train'
            else 'gap'
        end as campaign_split
    from exposure_windows
    inner join window_purchases
        on exposure_windows.machine_id = window_purchases.machine_id
        and exposure_windows.campaign_id = window_purchases.campaign_id
    inner join campaign_spans
        on exposure_windows.campaign_id = campaign_spans.campaign_id
    cross join data_end

),

final as (

    select
        machine_id,
        campaign_id,
        exposed_date,
        channel,
        engaged_date,
        is_engaged,
        window_end_date,
        purchase_days_in_window,
        first_purchase_date_in_window,
        campaign_label,
        campaign_split
    from labeled

)

select * from final
