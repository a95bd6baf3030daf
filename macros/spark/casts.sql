{#-
  Spark variants of the casts and date arithmetic the models use. The contract's types that
  Spark does not have are given a Spark form with the same values and order:
    ubigint  decimal(20,0), limited to 0 .. 2^64 - 1 (Spark has no unsigned integers);
    time     'HH:MM:SS' text, zero-padded, so it sorts, groups, hashes and prints as DuckDB's
             time does (Spark 4 has no time type; a timestamp would add the build's date);
    varchar  string (Spark's varchar needs a length).
-#}

{% macro spark__safe_cast(field, type) -%}
    {#- A value that is not of the type becomes NULL, whatever spark.sql.ansi.enabled says, and
        the validation names it as a reject: try_cast, and for the types DuckDB reads more
        strictly than Spark, the same strictness (an unsigned range, an H:MM:SS time of day up
        to 24:00:00, a date written as a date - Spark's cast would read '2023' as 2023-01-01). -#}
    {%- set type_name = type | lower | trim -%}
    {%- if type_name == 'ubigint' -%}
    case
        when try_cast({{ field }} as decimal(20, 0)) between 0 and 18446744073709551615
            then try_cast({{ field }} as decimal(20, 0))
    end
    {%- elif type_name == 'time' -%}
    {%- set padded = "lpad(cast(" ~ field ~ " as string), 8, '0')" -%}
    case
        when cast({{ field }} as string) rlike '^[0-9]{1,2}:[0-9]{2}:[0-9]{2}$'
            and (
                {{ padded }} < '24:00:00' and substr({{ padded }}, 4, 2) < '60' and substr({{ padded }}, 7, 2) < '60'
                or {{ padded }} = '24:00:00'
            )
            then {{ padded }}
    end
    {%- elif type_name == 'date' -%}
    case
        when cast({{ field }} as string)
            rlike '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?)?$'
            then try_cast({{ field }} as date)
    end
    {%- else -%}
    try_cast({{ field }} as {{ spark_type(type) }})
    {%- endif -%}
{%- endmacro %}


{% macro spark_type(type) -%}
    {#- A type name as Spark spells it: varchar and text (no length) are string. -#}
    {{ return('string' if type | lower | trim in ('varchar', 'text') else type) }}
{%- endmacro %}


{% macro spark__cast(field, type) -%}
    {#- dbt.cast on Spark. dbt's contract check casts null to each YAML data_type through it
        (get_empty_schema_sql), and cast_to_contract casts the served columns with it, so the
        contracts' DuckDB names (varchar) hold on Spark too. -#}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}


{% macro spark__datediff(first_date, second_date, datepart) -%}
    {#- DuckDB's date_diff on dates: NULL when either date is NULL (dbt-spark's version raises
        instead, and days since a purchase that never happened are NULL here); days and whole
        weeks between them (truncated toward zero), or the month, quarter or year boundaries
        crossed. A BIGINT, as DuckDB's date_diff gives (Spark's datediff is INT), so a contract
        holds on both. -#}
    {%- set month_number = "(year({d}) * 12 + month({d}))" -%}
    {%- set quarter_number = "(year({d}) * 4 + quarter({d}))" -%}
    {%- if datepart == 'day' -%}
    cast(datediff({{ second_date }}, {{ first_date }}) as bigint)
    {%- elif datepart == 'week' -%}
    cast(datediff({{ second_date }}, {{ first_date }}) div 7 as bigint)
    {%- elif datepart == 'month' -%}
    cast({{ month_number.format(d=second_date) }} - {{ month_number.format(d=first_date) }} as bigint)
    {%- elif datepart == 'quarter' -%}
    cast({{ quarter_number.format(d=second_date) }} - {{ quarter_number.format(d=first_date) }} as bigint)
    {%- elif datepart == 'year' -%}
    cast(year({{ second_date }}) - year({{ first_date }}) as bigint)
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff on Spark: day, week, month, quarter or year, got " ~ datepart) }}
    {%- endif -%}
{%- endmacro %}


{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {#- A date plus whole days, weeks, months, quarters or years, as a date; NULL stays NULL, and
        a month end is kept within the month (Jan 31 + 1 month = Feb 29), as on DuckDB. -#}
    {%- set days = {'day': 1, 'week': 7} -%}
    {%- set months = {'month': 1, 'quarter': 3, 'year': 12} -%}
    {%- if datepart in days -%}
    date_add({{ from_date_or_timestamp }}, cast({{ interval }} as int) * {{ days[datepart] }})
    {%- elif datepart in months -%}
    add_months({{ from_date_or_timestamp }}, cast({{ interval }} as int) * {{ months[datepart] }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("dateadd on Spark: day, week, month, quarter or year, got " ~ datepart) }}
    {%- endif -%}
{%- endmacro %}


{% macro spark__text_literal(text) -%}
    {#- Spark reads a backslash in a literal as an escape: doubled, it is the character itself. -#}
    '{{ text.replace("\\", "\\\\").replace("'", "''") }}'
{%- endmacro %}


{% macro spark__hour_of_time(time_column) -%}
    cast(substr({{ time_column }}, 1, 2) as integer)
{%- endmacro %}


{% macro spark__money_avg(expression) -%}
    {#- Spark's avg of a decimal is a decimal rounded to 6 places; DuckDB's is the exact sum
        divided as DOUBLE, which this is. -#}
    cast(sum({{ expression }}) as double) / count({{ expression }})
{%- endmacro %}


{% macro spark__json_text(json_column, key) -%}
    get_json_object({{ json_column }}, {{ sql_literal('$.' ~ key) }})
{%- endmacro %}
