{#-
  Typing and validation of raw panel rows, driven by one column spec per source table.

  A spec is a list of dicts: {name, type, check, required, min_value}
    type        - the SQL type the column is cast to (the check decides for hms_time)
    check       - what the raw value must look like: integer | unsigned | number | date | hms_time | text
    required    - a NULL makes the row a reject
    min_value   - a typed value below it makes the row a reject
    source_type - the type the file delivers (added by with_source_types)

  CSV sources arrive as text (all_varchar): their values are judged by their text form, so
  `1.5` is not an integer even though a lenient cast would round it. Parquet sources arrive
  typed: where the file's type already guarantees the form (an integer column for an integer
  check, a date column for a date), only the cast into the target type is checked, which
  still rejects out-of-range values. The text form of a typed value is never built then;
  that pattern match was most of the cost of typing a large Parquet panel.
-#}

{% macro value_checks() -%}
    {#- What a well-formed raw value looks like (full-match pattern), and its name in a reject reason. -#}
    {{ return({
        'integer': {'pattern': '-?[0-9]+', 'label': 'an integer', 'native_types': integer_types()},
        'unsigned': {'pattern': '[0-9]+', 'label': 'an unsigned integer', 'native_types': integer_types()},
        'number': {'pattern': none, 'label': 'a number', 'native_types': []},
        'date': {'pattern': none, 'label': 'a date', 'native_types': ['date']},
        'hms_time': {'pattern': '[0-9]{1,2}:[0-9]{2}:[0-9]{2}', 'label': 'an H:MM:SS time', 'native_types': ['time']},
    }) }}
{%- endmacro %}


{% macro integer_types() -%}
    {{ return(['tinyint', 'smallint', 'integer', 'bigint', 'hugeint',
               'utinyint', 'usmallint', 'uinteger', 'ubigint', 'uhugeint']) }}
{%- endmacro %}


{% macro validated_columns(column_specs) -%}
    {%- for column in column_specs %}
    {{ validated_value(column) }} as {{ column.name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro validated_value(column) -%}
    {%- set target_type = 'time' if column.check == 'hms_time' else column.type -%}
    {%- if column.check == 'text' -%}
    {{ column.name }}
    {%- else -%}
    {{ dbt.safe_cast(column.name, api.Column.translate_type(target_type)) }}
    {%- endif -%}
{%- endmacro %}


{% macro value_is_well_formed(column) -%}
    {%- set check = value_checks()[column.check] -%}
    {%- set pattern = none if column.get('source_type') in check.native_types else check.pattern -%}
    {%- if pattern -%}
    {{ full_match("trim(cast(" ~ column.name ~ " as " ~ dbt.type_string() ~ "))", pattern) }} and {{ validated_value(column) }} is not null
    {%- else -%}
    {{ validated_value(column) }} is not null
    {%- endif -%}
{%- endmacro %}


{% macro reject_reason(column_specs) -%}
    nullif(concat_ws('; '
    {%- for column in column_specs %}
        {%- if column.get('required') %},
        case when {{ column.name }} is null then '{{ column.name }} is missing' end
        {%- endif %}
        {%- if column.check != 'text' %},
        case when {{ column.name }} is not null and not ({{ value_is_well_formed(column) }})
            then '{{ column.name }} is not {{ value_checks()[column.check].label }}' end
        {%- endif %}
        {%- if column.get('min_value') is not none %},
        case when {{ validated_value(column) }} < {{ column.min_value }}
            then '{{ column.name }} is below {{ column.min_value }}' end
        {%- endif %}
    {%- endfor %}
    ), '')
{%- endmacro %}


{% macro full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('full_match', 'shopper_propensity')(expression, pattern)) }}
{%- endmacro %}

{% macro default__full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__full_match(expression, pattern) -%}
    ({{ expression }} rlike '^{{ pattern }}$')
{%- endmacro %}


{% macro raw_row_as_json(column_specs) -%}
    {{ return(adapter.dispatch('raw_row_as_json', 'shopper_propensity')(column_specs)) }}
{%- endmacro %}

{% macro default__raw_row_as_json(column_specs) -%}
    cast(to_json(struct_pack(
        {%- for column in column_specs %}
        {{ column.name }} := {{ column.name }}{{ "," if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}

{% macro spark__raw_row_as_json(column_specs) -%}
    to_json(named_struct(
        {%- for column in column_specs %}
        '{{ column.name }}', {{ column.name }}{{ "," if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}


{% macro validated_panel_rows(table_name, source_rows, column_specs) -%}
    {#-
      The body shared by the base models: one output row per raw row, typed, with the
      reason it cannot be kept (NULL when it can) and whether it repeats an earlier row.
    -#}
    checked as (
        select
            *,
            {{ reject_reason(column_specs) }} as reject_reason,
            row_number() over (
                partition by {{ column_specs | map(attribute='name') | join(', ') }}
                order by filename
            ) as occurrence_number
        from {{ source_rows }}
    ),

    final as (
        select
            '{{ table_name }}' as source_table,
            filename as source_file,
            {{ validated_columns(column_specs) }},
            reject_reason,
            reject_reason is null and occurrence_number > 1 as is_exact_duplicate,
            case
                when reject_reason is not null or occurrence_number > 1
                    then {{ raw_row_as_json(column_specs) }}
            end as raw_row
        from checked
    )

    select * from final
{%- endmacro %}
