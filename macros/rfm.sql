{#-
  RFM quintile scores (document 004 §4.2), shared by the snapshot mart user_rfm_segments and
  the point-in-time scores at campaign exposure.

  Each score is NTILE(5) over the scored population, 5 = best: most recent last purchase, most
  purchase days, most spend. Ties are broken by the value, then by machine_id, so equal values
  may fall in neighbouring quintiles but always the same way, run after run.
-#}

{% macro rfm_quintile(value_column, partition_columns, higher_is_better=true, id_column='machine_id') -%}
    {#- BIGINT on both engines (ntile is BIGINT on DuckDB, INT on Spark). -#}
    cast(ntile(5) over (
        {% if partition_columns -%}
        partition by {{ partition_columns | join(', ') }}
        {% endif -%}
        order by {{ value_column }} {{ 'asc' if higher_is_better else 'desc' }}, {{ id_column }}
    ) as bigint)
{%- endmacro %}


{% macro rfm_score_columns(recency_column, frequency_column, monetary_column, partition_columns) -%}
    {#- r_score, f_score, m_score and rfm_code = R*100 + F*10 + M, as select-list items. -#}
    {{ rfm_quintile(recency_column, partition_columns, higher_is_better=false) }} as r_score,
    {{ rfm_quintile(frequency_column, partition_columns) }} as f_score,
    {{ rfm_quintile(monetary_column, partition_columns) }} as m_score
{%- endmacro %}


{% macro rfm_code(r_score, f_score, m_score) -%}
    {{ r_score }} * 100 + {{ f_score }} * 10 + {{ m_score }}
{%- endmacro %}
