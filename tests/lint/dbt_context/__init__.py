"""The parts of dbt's Jinja context our SQL uses, for sqlfluff's jinja templater (.sqlfluff).

sqlfluff renders models, macros, analyses and data tests without dbt: its dbt builtins give
ref, source, var and config; this module gives the rest, the way dbt-duckdb renders it, with
`execute` false, so no macro queries the warehouse (as when dbt parses). `graph` holds the
sources YAMLs' columns, so the base models render from the input contract as in a build.
Every name defined here becomes a template variable.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import jinja2
import jinja2.runtime
import yaml
from sqlfluff.core.templaters.builtins.dbt import MacroReturn

REPO_ROOT = Path(__file__).resolve().parents[3]


def _catch_own_return(call):
    """dbt ends every macro call at its own return(); sqlfluff does so only for macros called
    from a model, so a return() in a macro called by one of its own file ended the caller too."""

    def macro_call(self, *args, **kwargs):
        try:
            return call(self, *args, **kwargs)
        except MacroReturn as returned:
            return returned.value

    macro_call.catches_return = True
    return macro_call


def _compiled_once(compile_source):
    """sqlfluff compiles every macro file twice for every file it lints (two thirds of the
    time); the compiled code depends only on the source and the environment's settings, which
    are the same for every file."""
    compiled = {}

    def compile_cached(self, source, name=None, filename=None, raw=False, defer_init=False):
        key = (source, name, filename, raw, defer_init, tuple(sorted(self.extensions)))
        if key not in compiled:
            compiled[key] = compile_source(self, source, name, filename, raw, defer_init)
        return compiled[key]

    compile_cached.caches = True
    return compile_cached


# sqlfluff executes this module again for every file it renders: patch once
if not getattr(jinja2.runtime.Macro.__call__, "catches_return", False):
    jinja2.runtime.Macro.__call__ = _catch_own_return(jinja2.runtime.Macro.__call__)
if not getattr(jinja2.Environment.compile, "caches", False):
    jinja2.Environment.compile = _compiled_once(jinja2.Environment.compile)

execute = False
project_name = "shopper_propensity"
invocation_id = "sqlfluff"
flags = SimpleNamespace(WHICH="compile")
target = SimpleNamespace(name="dev", type="duckdb", schema="main", database="shopper_propensity")
# the model being rendered, before its YAML is attached (as when dbt parses): no columns yet
model = {"name": "linted_model", "columns": {}}


def env_var(name: str, default: str | None = None) -> str:
    return name if default is None else default


def log(message: str, info: bool = False) -> str:
    return ""


def run_query(sql: str):
    raise RuntimeError("run_query with execute false: guard the call with `if execute`")


def _raise_compiler_error(message: str):
    raise RuntimeError(message)


exceptions = SimpleNamespace(raise_compiler_error=_raise_compiler_error)


@jinja2.pass_context
def _dispatch(context, macro_name: str, macro_namespace: str | None = None):
    """adapter.dispatch: the duckdb__ implementation of a macro, else its default__."""
    for prefix in ("duckdb__", "default__"):
        macro = context.get(prefix + macro_name)
        if macro is not None:
            return macro
    raise RuntimeError(f"no duckdb__ or default__ implementation of {macro_name}")


adapter = SimpleNamespace(dispatch=_dispatch)
api = SimpleNamespace(Column=SimpleNamespace(translate_type=lambda data_type: data_type))


@jinja2.pass_context
def _safe_cast(context, field: str, data_type: str) -> str:
    return _dispatch(context, "safe_cast")(field, data_type)


# dbt's cross-database macros as dbt-duckdb renders them.
dbt = SimpleNamespace(
    safe_cast=_safe_cast,
    type_string=lambda: "varchar",
    datediff=lambda first, second, datepart: f"date_diff('{datepart}', {first}::timestamp, {second}::timestamp)",
    dateadd=lambda datepart, interval, from_date: f"date_add({from_date}, interval ({interval}) {datepart})",
    date_trunc=lambda datepart, date: f"date_trunc('{datepart}', {date})",
    hash=lambda field: f"md5(cast({field} as varchar))",
    concat=lambda fields: f"concat({', '.join(fields)})",
    generate_series=lambda upper_bound: (
        f"select generated_number from generate_series(1, {upper_bound}) as series (generated_number)"
    ),
    date_spine=lambda datepart, start_date, end_date: (
        f"select range as date_{datepart} from range({start_date}, {end_date}, interval 1 {datepart})"
    ),
)


def _sources() -> dict[str, dict]:
    """The graph's sources as dbt gives them to macros: columns with data_type and meta."""
    nodes = {}
    for path in sorted((REPO_ROOT / "models").rglob("_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                columns = {
                    column["name"]: {"name": column["name"], "data_type": column.get("data_type"),
                                     "meta": column.get("config", {}).get("meta", {})}
                    for column in table.get("columns", [])
                }
                nodes[f"source.{project_name}.{source['name']}.{table['name']}"] = {"columns": columns}
    return nodes


graph = {"sources": _sources()}
