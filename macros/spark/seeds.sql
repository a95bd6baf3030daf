{% macro spark__load_csv_rows(model, agate_table) -%}
    {#- dbt-spark's loader binds values into the SQL text without escaping them, so a quote in a
        seed ("Can't Lose Them") ends its literal early. Here every value goes through
        sql_literal; the rest is dbt-spark's loader. -#}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
            ({%- for col_name in agate_table.column_names -%}
                {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                {%- set value = row[loop.index0] -%}
                cast({{ sql_literal(value if value is none or value is number or value is boolean else value | string) }} as {{ type }})
                {{- "," if not loop.last }}
            {%- endfor -%}){{ "," if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}
