-- One row per user and domain: user RFM as of var('train_end'), from pseudo-sessions before
-- it only. Personas applied to test-period sessions are fitted on this snapshot, so the
-- segmentation has not seen the period it is evaluated on.
with

pseudo_sessions as (

    select * from {{ ref('int_pseudo_sessions_joined') }}

),

user_months as (

    select * from {{ ref('int_pseudo_sessions_aggregated_to_user_months') }}

),

purchase_days as (

    select * from {{ ref('int_transactions_aggregated_to_pseudo_sessions') }}

),

{{ user_rfm_ctes('pseudo_sessions', 'user_months', 'purchase_days', var('train_end')) }}

select * from final
