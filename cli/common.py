"""What every `jobzone` command shares: the typer app, options, the data home, one-line errors, output."""

from __future__ import annotations

import functools
import json
import sys
from datetime import date
from typing import Any, Callable, Optional

import typer
from rich.console import Console
from rich.table import Table

from core.errors import JobzoneError, NightInterrupted
# Importing the scrapers hands every source's catalogue lookup keys down to core.catalogue
# (scrapers/registry.py): each command that loads the role files needs the full role model.
import scrapers  # noqa: E402,F401
from core.paths import Home

app = typer.Typer(help="jobzone: keep AI Job Resistance Index scores true, nightly.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
roles_app = typer.Typer(help="The role catalogue (roles/*.yaml).", no_args_is_help=True)
app.add_typer(roles_app, name="roles")
source_app = typer.Typer(help="The data sources: licences, and parsing saved payloads.", no_args_is_help=True)
app.add_typer(source_app, name="source")

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")
CatalogueOpt = typer.Option(None, "--catalogue", help="Role catalogue directory (default: roles/).")


class State:
    home_arg: str | None = None
    config: str | None = None

    @property
    def home(self) -> Home:
        return Home.resolve(self.home_arg).ensure()


state = State()


@app.callback()
def main(
    home: Optional[str] = typer.Option(None, "--home", help="Data directory (default: $JOBZONE_HOME or ./data)."),
    config: Optional[str] = typer.Option(None, "--config", help="Settings file (default: core/settings.toml)."),
) -> None:
    state.home_arg, state.config = home, config


def one_line_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (JobzoneError, NightInterrupted) as exc:
            # NightInterrupted is a SystemExit (so nothing on its way out swallows it): say why first.
            err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
    return wrapper


def emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def print_table(rows: list[dict], title: str | None = None, columns: list[str] | None = None) -> None:
    columns = columns or (list(rows[0]) if rows else [])
    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


def records(frame) -> list[dict]:
    import pandas as pd

    frame = frame.copy()
    for col in frame.columns:
        # DuckDB DATE columns arrive as midnight timestamps; print them as dates.
        if pd.api.types.is_datetime64_any_dtype(frame[col]) and getattr(frame[col].dt, "tz", None) is None:
            values = frame[col].dropna()
            if (values == values.dt.normalize()).all():
                frame[col] = frame[col].dt.strftime("%Y-%m-%d")
        elif frame[col].dtype == object and frame[col].map(lambda v: isinstance(v, date)).any():
            frame[col] = frame[col].map(lambda v: v.isoformat() if isinstance(v, date) else v)
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))


def _parse_date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise JobzoneError(f"--as-of: {value!r} is not a date (YYYY-MM-DD)") from None
