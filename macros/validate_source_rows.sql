{#-
  Typing and validation of raw panel rows, driven by one column spec per source table.

  A spec is a list of dicts, one per column, built by panel_column_specs() from the contract
  in models/staging/comscore/_comscore__sources.yml (which describes each key): {name, type,
  check, required, min_value, max_value, lowercase, accepted_values_var, protected}, and
  source_type - the type the file delivers (added by with_source_types).

  Every value is cleaned before anything else looks at it: text is trimmed, an empty value
  ("" or nothing) is missing, lower-cased where the spec says so. Checks, typing and duplicate
  detection all see the cleaned value, so ` etsy.com`, `ETSY.COM` and `etsy.com` are one
  domain and two rows equal after cleaning are one row and a duplicate.

  CSV sources arrive as text (all_varchar): their values are judged by their text form, so
  `1.5` is not an integer even though a lenient cast would round it. Parquet sources arrive
  typed: where the file's type already guarantees the form (an integer column for an integer
  check, a date column for a date), only the cast into the target type is checked, which
  still rejects out-of-range values.

  Beyond its form, a value must be inside the contract: numbers finite and within their
  bounds, dates within var panel_min_date .. panel_max_date (null = the build date: no event
  is dated in the future), times below 24:00:00, values of a listed column in their list.
-#}

{% macro panel_column_specs(table_name) -%}
    {#- The column specs of comscore source table `table_name`, read from the contract (the
        source columns' data_type and meta), in the contract's column order. Empty while dbt
        parses: the graph is filled only when models compile or run. -#}
    {%- set source_node = graph.get('sources', {}).get('source.' ~ project_name ~ '.comscore.' ~ table_name) -%}
    {%- if not source_node -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set specs = [] -%}
    {%- for column in source_node.columns.values() -%}
        {%- set spec = {'name': column.name, 'type': column.data_type} -%}
        {%- do spec.update(column.meta) -%}
        {%- if spec.type == 'money' -%}
            {%- do spec.update({'type': money_type()}) -%}
        {%- endif -%}
        {%- if spec.get('max_value_var') -%}
            {%- do spec.update({'max_value': var(spec.max_value_var)}) -%}
        {%- endif -%}
        {%- do specs.append(spec) -%}
    {%- endfor -%}
    {{ return(specs) }}
{%- endmacro %}


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


{% macro cleaned_value(column) -%}
    {#- The raw value as every check sees it: text trimmed, empty = missing, lower-cased if asked. -#}
    {%- set value = column.name -%}
    {%- if column.get('source_type', 'varchar') == 'varchar' -%}
        {%- set value = "nullif(trim(" ~ value ~ "), '')" -%}
    {%- endif -%}
    {%- if column.get('lowercase') -%}
        {%- set value = "lower(" ~ value ~ ")" -%}
    {%- endif -%}
    {{ value }}
{%- endmacro %}


{% macro typed_value(column, cleaned) -%}
    {%- if column.check == 'text' -%}
    {{ cleaned }}
    {%- elif column.check == 'number' -%}
    {#- through DOUBLE, so text and any numeric file type parse alike; within the contract's
        bounds (well below 1e15) DOUBLE holds every cent exactly -#}
    {{ dbt.safe_cast(dbt.safe_cast(cleaned, api.Column.translate_type('double')), api.Column.translate_type(column.type)) }}
    {%- elif column.check == 'hms_time' -%}
    {{ dbt.safe_cast(cleaned, api.Column.translate_type('time')) }}
    {%- else -%}
    {{ dbt.safe_cast(cleaned, api.Column.translate_type(column.type)) }}
    {%- endif -%}
{%- endmacro %}


{% macro column_breaches(column) -%}
    {#- (condition, reason) pairs for one column of the `typed` CTE, in the order a reader
        fixes them: missing, malformed, out of range, outside the contract. -#}
    {%- set check = value_checks().get(column.check) -%}
    {%- set cleaned = column.name ~ '__cleaned' -%}
    {%- set typed = column.name ~ '__typed' -%}
    {%- set breaches = [] -%}
    {%- if column.get('required') -%}
        {%- do breaches.append((cleaned ~ ' is null', 'is missing')) -%}
    {%- endif -%}
    {%- if column.check == 'number' -%}
        {%- set number = column.name ~ '__number' -%}
        {%- do breaches.append((cleaned ~ ' is not null and ' ~ number ~ ' is null', 'is not a number')) -%}
        {%- do breaches.append(('not ' ~ is_finite(number), 'is not a finite number')) -%}
        {#- NaN compares above every number: bounds apply to finite values only -#}
        {%- set bounded = 'case when ' ~ is_finite(number) ~ ' then ' ~ number ~ ' end' -%}
    {%- elif check -%}
        {%- set pattern = none if column.get('source_type') in check.native_types else check.pattern -%}
        {%- if pattern -%}
            {%- set text_form = "cast(" ~ cleaned ~ " as " ~ dbt.type_string() ~ ")" -%}
            {%- do breaches.append((cleaned ~ ' is not null and not ' ~ full_match(text_form, pattern), 'is not ' ~ check.label)) -%}
            {%- set well_formed = full_match(text_form, pattern) -%}
        {%- else -%}
            {%- set well_formed = 'true' -%}
        {%- endif -%}
        {%- if column.check in ('integer', 'unsigned') -%}
            {%- do breaches.append((cleaned ~ ' is not null and ' ~ well_formed ~ ' and ' ~ typed ~ ' is null',
                                    'is out of range for ' ~ column.type)) -%}
        {%- else -%}
            {%- do breaches.append((cleaned ~ ' is not null and ' ~ well_formed ~ ' and ' ~ typed ~ ' is null',
                                    'is not ' ~ check.label)) -%}
        {%- endif -%}
        {%- set bounded = typed -%}
    {%- endif -%}
    {%- if column.get('min_value') is not none -%}
        {%- do breaches.append((bounded ~ ' < ' ~ sql_literal(column.min_value), 'is below ' ~ column.min_value)) -%}
    {%- endif -%}
    {%- if column.get('max_value') is not none -%}
        {%- do breaches.append((bounded ~ ' > ' ~ sql_literal(column.max_value), 'is above ' ~ column.max_value)) -%}
    {%- endif -%}
    {%- if column.check == 'date' -%}
        {%- do breaches.append((typed ~ ' < cast(' ~ sql_literal(var('panel_min_date')) ~ ' as date)',
                                'is before ' ~ var('panel_min_date'))) -%}
        {%- if var('panel_max_date') -%}
            {%- do breaches.append((typed ~ ' > cast(' ~ sql_literal(var('panel_max_date')) ~ ' as date)',
                                    'is after ' ~ var('panel_max_date'))) -%}
        {%- else -%}
            {%- do breaches.append((typed ~ ' > current_date', 'is after the build date')) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if column.check == 'hms_time' -%}
        {#- DuckDB reads 24:00:00 as a time (and spark__safe_cast too); an hour of the day is 0-23 -#}
        {%- set end_of_day = dbt.safe_cast("'24:00:00'", api.Column.translate_type('time')) -%}
        {%- do breaches.append((typed ~ ' >= ' ~ end_of_day, 'is outside 0:00:00-23:59:59')) -%}
    {%- endif -%}
    {%- if column.get('accepted_values_var') -%}
        {%- set accepted = list_setting(var(column.accepted_values_var)) -%}
        {%- if column.get('lowercase') -%}
            {%- set accepted = accepted | map('lower') | list -%}
        {%- endif -%}
        {%- do breaches.append((typed ~ ' not in ' ~ sql_literal_list(accepted),
                                'is not in var ' ~ column.accepted_values_var)) -%}
    {%- endif -%}
    {{ return(breaches) }}
{%- endmacro %}


{% macro reject_reason(column_specs) -%}
    {#- Every breach of the row, '; '-separated; NULL when there is none. A condition on a NULL
        value is NULL, so a value that is missing or malformed is named once, not again as
        out of its bounds. -#}
    nullif(concat_ws('; '
    {%- for column in column_specs %}
        {%- for condition, reason in column_breaches(column) %},
        case when {{ condition }} then {{ sql_literal(column.name ~ ' ' ~ reason) }} end
        {%- endfor %}
    {%- endfor %}
    ), '')
{%- endmacro %}


{% macro is_finite(expression) -%}
    {{ return(adapter.dispatch('is_finite', 'shopper_propensity')(expression)) }}
{%- endmacro %}

{% macro default__is_finite(expression) -%}
    isfinite({{ expression }})
{%- endmacro %}

{% macro spark__is_finite(expression) -%}
    (not isnan({{ expression }}) and abs({{ expression }}) != double('infinity'))
{%- endmacro %}


{% macro full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('full_match', 'shopper_propensity')(expression, pattern)) }}
{%- endmacro %}

{% macro default__full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, {{ sql_literal(pattern) }})
{%- endmacro %}

{% macro spark__full_match(expression, pattern) -%}
    ({{ expression }} rlike {{ sql_literal('^' ~ pattern ~ '$') }})
{%- endmacro %}


{% macro raw_row_as_json(column_specs) -%}
    {#- The raw values of a row as JSON text; protected attributes are masked. -#}
    {{ return(adapter.dispatch('raw_row_as_json', 'shopper_propensity')(column_specs)) }}
{%- endmacro %}

{% macro raw_value_shown(column) -%}
    {%- if column.get('protected') -%}
    case when {{ column.name }}__raw is not null then '<masked>' end
    {%- else -%}
    {{ column.name }}__raw
    {%- endif -%}
{%- endmacro %}

{% macro default__raw_row_as_json(column_specs) -%}
    cast(to_json(struct_pack(
        {%- for column in column_specs %}
        {{ column.name }} := {{ raw_value_shown(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}

{% macro spark__raw_row_as_json(column_specs) -%}
    {#- missing values as null, as DuckDB's to_json writes them (Spark would leave them out) -#}
    to_json(named_struct(
        {%- for column in column_specs %}
        '{{ column.name }}', {{ raw_value_shown(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    ), map('ignoreNullFields', 'false'))
{%- endmacro %}


{% macro json_text(json_column, key) -%}
    {#- The text of one top-level key of a JSON object (raw_row), NULL when absent or null. -#}
    {{ return(adapter.dispatch('json_text', 'shopper_propensity')(json_column, key)) }}
{%- endmacro %}

{% macro default__json_text(json_column, key) -%}
    json_extract_string({{ json_column }}, {{ sql_literal('$.' ~ key) }})
{%- endmacro %}


{% macro validated_panel_rows(table_name, source_rows, column_specs, slice_column=none) -%}
    {#-
      The body shared by the base models: one output row per raw row, typed, with the
      reason it cannot be kept (NULL when it can) and whether it repeats an earlier valid row
      after cleaning. Of rows equal after cleaning, the first by file and raw text is kept,
      so which copy lands in panel_rejects does not depend on the order rows are read in.
      slice_column: in an incremental run, only the raw rows whose typed value of that date
      column is in the slice (macros/incremental.sql). Copies of a row share its date, so the
      duplicates of a rebuilt day are judged as in a full build.
    -#}
    cleaned as (
        select
            filename,
            {%- for column in column_specs %}
            {{ column.name }} as {{ column.name }}__raw,
            {{ cleaned_value(column) }} as {{ column.name }}__cleaned{{ "," if not loop.last }}
            {%- endfor %}
        from {{ source_rows }}
    ),

    typed as (
        select
            *,
            {%- for column in column_specs %}
            {%- if column.check == 'number' %}
            {{ dbt.safe_cast(column.name ~ '__cleaned', api.Column.translate_type('double')) }} as {{ column.name }}__number,
            {%- endif %}
            {{ typed_value(column, column.name ~ '__cleaned') }} as {{ column.name }}__typed{{ "," if not loop.last }}
            {%- endfor %}
        from cleaned
    ),

    checked as (
        select
            *,
            {{ reject_reason(column_specs) }} as reject_reason
        from typed
        {%- if slice_column %}
        {{ incremental_slice_filter(slice_column ~ '__typed') }}
        {%- endif %}
    ),

    numbered as (
        select
            *,
            row_number() over (
                partition by
                    reject_reason is null,
                    {%- for column in column_specs %}
                    {{ column.name }}__typed{{ "," if not loop.last }}
                    {%- endfor %}
                order by
                    filename,
                    {%- for column in column_specs %}
                    {{ column.name }}__raw{{ "," if not loop.last }}
                    {%- endfor %}
            ) as occurrence_number
        from checked
    ),

    final as (
        select
            {{ sql_literal(table_name) }} as source_table,
            {{ panel_relative_path('filename') }} as source_file,
            {%- for column in column_specs %}
            {{ column.name }}__typed as {{ column.name }},
            {%- endfor %}
            reject_reason,
            reject_reason is null and occurrence_number > 1 as is_duplicate,
            case
                when reject_reason is not null or occurrence_number > 1
                    then {{ raw_row_as_json(column_specs) }}
            end as raw_row
        from numbered
    )

    select * from final
{%- endmacro %}


{% macro check_domain_vars() -%}
    {#- Run before any model (on-run-start): the domains other vars name are panel domains, or
        their rows would all be rejected and the models fail on an empty table far downstream. -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set panel_domains = list_setting(var('panel_domains')) | map('lower') | list -%}
    {%- set named = {'primary_domain': [var('primary_domain')], 'campaign_domain': [var('campaign_domain')],
                     'segment_domains': list_setting(var('segment_domains'))} -%}
    {%- set problems = [] -%}
    {%- for var_name, domains in named.items() -%}
        {%- for domain in domains if domain not in panel_domains -%}
            {%- do problems.append("var " ~ var_name ~ " names " ~ domain
                                   ~ ", which is not in var panel_domains (lower case)") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(problems | join("; ") ~ " (" ~ panel_domains | join(", ") ~ ")") }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
