"""What every `jobzone` command shares: the typer app, options, the data home, one-line errors, output.

Output is text, never Rich markup: every console here has markup, emoji and highlighting off,
and table cells are `Text`, so a value like `[/bold]` or `:x:` prints as itself.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Callable, Optional

import typer
import typer._click as typer_click  # typer vendors click: its exceptions are these, not click's
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from core.errors import JobzoneError, NightInterrupted
# Importing the scrapers hands every source's catalogue lookup keys down to core.catalogue
# (scrapers/registry.py): each command that loads the role files needs the full role model.
import scrapers  # noqa: E402,F401
from core.paths import Home

#: set to show the traceback of an unexpected error after its one-line message
DEBUG_ENV = "JOBZONE_DEBUG"


def _say_error(message: str) -> None:
    text = " ".join(str(message).split()) or "unknown error"
    err_console.print(f"error: {text}", soft_wrap=True)


_NO_ARGS = typer_click.exceptions.NoArgsIsHelpError
_USAGE = typer_click.exceptions.ClickException
_ABORT = typer.Abort


class OneLineErrors(TyperGroup):
    """The root command: every way out is one `error:` line and a non-zero exit.

    Typer would draw a multi-line panel for a usage error and a traceback for anything
    unexpected; here a bad option says `error: Invalid value for '--step-days': ...` (exit 1,
    as every bad input), and a JobzoneError raised anywhere (an option callback included)
    its own message and exit code.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        code = self._run(args, prog_name, complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args, prog_name, complete_var, **extra) -> int:
        try:
            rv = super().main(args, prog_name or "jobzone", complete_var, standalone_mode=False, **extra)
            return rv if isinstance(rv, int) else 0
        except _NO_ARGS as exc:
            # typer's rich help prints itself while the error is built; plain help is its message
            if exc.format_message().strip():
                typer.echo(exc.format_message())
            return 0
        except _USAGE as exc:
            _say_error(exc.format_message())
            return 1
        except _ABORT:
            _say_error("aborted")
            return 130
        except (JobzoneError, NightInterrupted) as exc:
            _say_error(str(exc))
            return exc.exit_code
        except BrokenPipeError:
            # `jobzone sql ... | head`: the reader went away; nothing to say, and nothing more to
            # flush at exit (which would raise again)
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            return 1
        except Exception as exc:  # noqa: BLE001 - the one place an unexpected error becomes one line
            if os.environ.get(DEBUG_ENV):
                raise
            where = f"{exc.filename}: " if isinstance(exc, OSError) and exc.filename else ""
            _say_error(f"{where}{type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for the traceback)")
            return 1


app = typer.Typer(cls=OneLineErrors, help="jobzone: keep AI Job Resistance Index scores true, nightly.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
roles_app = typer.Typer(help="The role catalogue (roles/*.yaml).", no_args_is_help=True)
app.add_typer(roles_app, name="roles")
source_app = typer.Typer(help="The data sources: licences, and parsing saved payloads.", no_args_is_help=True)
app.add_typer(source_app, name="source")

console = Console(markup=False, emoji=False, highlight=False, soft_wrap=True)
err_console = Console(stderr=True, markup=False, emoji=False, highlight=False, soft_wrap=True)

JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")
CatalogueOpt = typer.Option(None, "--catalogue", help="Role catalogue directory (default: roles/).")
_HOME_HELP = "Data directory (default: $JOBZONE_HOME or ./data)."
_CONFIG_HELP = "Settings file (default: $JOBZONE_CONFIG or core/settings.toml)."


class State:
    home_arg: str | None = None
    config: str | None = None

    @property
    def home(self) -> Home:
        """The data home, created if missing: for commands that write."""
        return Home.resolve(self.home_arg).ensure()

    @property
    def home_readonly(self) -> Home:
        """The data home as it is: a command that only reads creates nothing."""
        return Home.resolve(self.home_arg)


state = State()


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("jobzone")
        except PackageNotFoundError:  # run from a checkout that was never installed
            found = "unknown (not installed)"
        typer.echo(f"jobzone {found}")
        raise typer.Exit()


@app.callback()
def main(
    home: Optional[str] = typer.Option(None, "--home", help=_HOME_HELP),
    config: Optional[str] = typer.Option(None, "--config", help=_CONFIG_HELP),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    state.home_arg, state.config = home, config


_COMMON = (
    inspect.Parameter("home", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[str],
                      default=typer.Option(None, "--home", help=_HOME_HELP)),
    inspect.Parameter("config", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[str],
                      default=typer.Option(None, "--config", help=_CONFIG_HELP)),
)


def one_line_errors(fn: Callable) -> Callable:
    """Register-ready command: `--home` and `--config` accepted after the subcommand too, and a
    JobzoneError printed as one line (also when the command is called outside the root group)."""
    signature = inspect.signature(fn, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name not in ("home", "config")]

    @functools.wraps(fn)
    def wrapper(*args: Any, home: str | None = None, config: str | None = None, **kwargs: Any) -> Any:
        if home is not None:
            state.home_arg = home
        if config is not None:
            state.config = config
        try:
            return fn(*args, **kwargs)
        except (JobzoneError, NightInterrupted) as exc:
            # NightInterrupted is a SystemExit (so nothing on its way out swallows it): say why first.
            _say_error(str(exc))
            raise typer.Exit(exc.exit_code) from None

    wrapper.__signature__ = signature.replace(parameters=own + list(_COMMON))  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in wrapper.__signature__.parameters.values()}
    return wrapper


def json_default(value: Any) -> Any:
    """JSON for what DuckDB and pandas hand back: ISO dates and times, numbers for decimals."""
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=json_default, ensure_ascii=False) + "\n")


def cell(value: Any) -> Text:
    """A value as plain text: never markup, never an emoji code."""
    return Text("" if value is None else str(value))


def print_table(rows: list[dict], title: str | None = None, columns: list[str] | None = None) -> None:
    """A table at its natural width: a wide result is never squeezed or cut to the terminal."""
    columns = columns or (list(rows[0]) if rows else [])
    table = Table(title=cell(title) if title else None)
    for c in columns:
        table.add_column(cell(c), overflow="fold")
    for row in rows:
        table.add_row(*(cell(row.get(c)) for c in columns))
    print_wide(table)


def print_wide(renderable: Any) -> None:
    natural = Measurement.get(console, console.options.update(width=10**6), renderable).maximum
    width = max(natural, console.width if console.is_terminal else 0)
    # Console.print caps `width` at the console's own; a console of the table's width does not
    Console(file=console.file, width=width, markup=False, emoji=False, highlight=False,
            force_terminal=console.is_terminal, no_color=not console.is_terminal).print(renderable, crop=False)


def say(line: Any) -> None:
    """One line of output as plain text, however wide."""
    console.print(cell(line), soft_wrap=True)


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


def parse_date(value: str | None, option: str = "--as-of") -> date:
    """A YYYY-MM-DD option value (None: today); a bad one is an error naming `option`."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise JobzoneError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


_parse_date = parse_date  # the name the command modules imported first
