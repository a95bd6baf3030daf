-- One row per user and domain: recency, frequency, monetary value and engagement as of the
-- snapshot date (var snapshot_date; by default the day after the last event in the data).
-- Purchases are read from the orders, visits from the users' months and the snapshot month's
-- pseudo-sessions (macros/user_rfm.sql).
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

{{ user_rfm_ctes('pseudo_sessions', 'user_months', 'purchase_days', var('snapshot_date')) }}

select * from final
