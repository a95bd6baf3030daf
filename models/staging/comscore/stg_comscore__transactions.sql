with

base as (

    select * from {{ ref('base_comscore__transactions') }}

),

kept as (

    select *
    from base
    where {{ is_kept_panel_row() }}

),

final as (

    select
        -- ids
        machine_id,
        -- 0 means the panel did not record the session: unknown, not a key
        nullif(site_session_id, 0) as site_session_id,
        domain_id,
        prod_category_id as product_category_id,

        -- item
        domain_name,
        prod_name as product_name,
        -- what counts as one distinct product: its name, else its category
        coalesce(prod_name, cast(prod_category_id as {{ dbt.type_string() }})) as product_key,
        prod_qty as item_quantity,
        prod_totprice as item_total_usd,
        -- the basket's total, repeated on each of its item rows: never sum it across items
        basket_tot as basket_total_usd,

        -- time
        event_date,
        event_time,

        source_file

    from kept

)

select * from final
