-- The Python model ml_user_segments, served under its contract (see the YAML).
with

ml_user_segments as (

    select * from {{ ref('ml_user_segments') }}

),

final as (

    select
        {{ cast_to_contract(ref('ml_user_segments')) }}

    from ml_user_segments

)

select * from final
