-- Every (R, F) cell of the 5 x 5 grid has exactly one named segment in rfm_segment_map, and the
-- map has no cell outside the grid: returns the offending cells with how often they appear.
with

scores as (

    {{ dbt.generate_series(5) }}

),

grid as (

    select
        r.generated_number as r_score,
        f.generated_number as f_score
    from scores as r
    cross join scores as f

),

segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

cells as (

    select
        coalesce(grid.r_score, segment_map.r_score) as r_score,
        coalesce(grid.f_score, segment_map.f_score) as f_score,
        grid.r_score is not null as is_in_grid,
        count(segment_map.rfm_segment) as segments
    from grid
    full outer join segment_map
        on grid.r_score = segment_map.r_score
        and grid.f_score = segment_map.f_score
    group by
        coalesce(grid.r_score, segment_map.r_score),
        coalesce(grid.f_score, segment_map.f_score),
        grid.r_score is not null

)

select *
from cells
where segments <> 1
    or not is_in_grid
