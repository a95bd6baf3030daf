{#-
  Determinism: two builds of the same rows give byte-identical marts, whatever order the rows
  are read or aggregated in (DuckDB with preserve_insertion_order = false and two threads
  adds them in a different order each run). A DOUBLE sum's last bits depend on that order,
  so no mart sums DOUBLEs:

  - Money is exact: every USD amount is DECIMAL(18,2) - whole cents, up to 10^16 - from
    staging to the marts, and sums of it stay exact. A panel value with more than two
    decimals is rounded to the cent once, when it is typed. Ratios of money (mean basket,
    AOV, ROI) are DOUBLE, computed from the exact sums.
  - Averages of measured DOUBLEs (per-user means, z-scores) are taken over each value rounded
    to 9 decimals (stable_avg), whose DECIMAL sum is exact.
-#}

{% macro money_type() -%}
    {{ return('decimal(18,2)') }}
{%- endmacro %}


{% macro money(expression) -%}
    {#- An amount, or the exact sum of amounts, in the money type. -#}
    cast({{ expression }} as {{ money_type() }})
{%- endmacro %}


{% macro money_avg(expression) -%}
    {#- The mean of amounts in the money type, as DOUBLE: DuckDB divides the exact sum. -#}
    {{ return(adapter.dispatch('money_avg', 'shopper_propensity')(expression)) }}
{%- endmacro %}

{% macro default__money_avg(expression) -%}
    avg({{ expression }})
{%- endmacro %}


{% macro stable_avg(expression) -%}
    {#- The mean of a DOUBLE expression, independent of row order (values rounded to 1e-9). -#}
    cast(avg(cast({{ expression }} as decimal(38, 9))) as double)
{%- endmacro %}


{% macro stddev_from_sums(count, value_sum, square_sum) -%}
    {#- The sample standard deviation of n values from their exact count, sum and sum of squares
        (integers or money): sqrt((n * sum(x^2) - sum(x)^2) / (n * (n - 1))), the subtraction done
        exactly, so the result does not depend on row order as stddev_samp's running update does.
        NULL below two values. -#}
    case
        when {{ count }} > 1
            then sqrt(
                cast({{ count }} * {{ square_sum }} - {{ value_sum }} * {{ value_sum }} as double)
                / ({{ count }} * ({{ count }} - 1))
            )
    end
{%- endmacro %}
