-- The champion's test-period scores on every domain: the rows of propensity_predictions from
-- the candidate the current model version chose (is_champion in propensity_model_registry).
-- A view: its two readers rank and cut these rows, and a copy would be rewritten every day.
{{ config(materialized='view') }}
with

predictions as (

    select * from {{ ref('propensity_predictions') }}

),

registry as (

    select * from {{ ref('propensity_model_registry') }}

),

final as (

    {{ champion_predictions('predictions', 'registry', "predictions.split = 'test'") }}

)

select * from final
