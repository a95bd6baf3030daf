-- The Python model ml_segment_k_selection, served under its contract (see the YAML).
with

ml_segment_k_selection as (

    select * from {{ ref('ml_segment_k_selection') }}

),

final as (

    select
        {{ cast_to_contract(ref('ml_segment_k_selection')) }}

    from ml_segment_k_selection

)

select * from final
