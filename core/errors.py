"""Specific exceptions; the CLI turns each into a one-line message and a non-zero exit."""


class JobzoneError(Exception):
    """Base class for every error jobzone reports to a user."""

    exit_code = 1


class CatalogueError(JobzoneError):
    """A role file is invalid. The message names the file and the field path."""


class InputRangeError(JobzoneError):
    """A scoring input is outside its published range."""

    exit_code = 2


class ConfigError(JobzoneError):
    """A config file is missing, unreadable or invalid."""


class WarehouseError(JobzoneError):
    """The warehouse cannot be opened or written."""


class WarehouseBusyError(WarehouseError):
    """Another process holds the warehouse lock past the retry budget."""


class UnknownRoleError(JobzoneError):
    """A role id that is not in the catalogue or the warehouse."""


class NightAlreadyRunning(JobzoneError):
    """Another nightly holds this data home's lock."""


class AnalystSqlRefused(JobzoneError):
    """`jobzone sql` was given something other than one read-only query (ATTACH, COPY, SET, ...)."""


class FutureAsOfError(InputRangeError):
    """An as-of date after today, refused unless explicitly forced (it would become "latest")."""


class NightFailed(JobzoneError):
    """A step of the night failed after the run was recorded; the run is marked `failed`.

    The message names the step and the cause in one line (e.g. the path that could not be
    written); the original exception is its `__cause__`.
    """

    exit_code = 3

    def __init__(self, step: str, cause: str, run_id: str | None, recorded: bool = True) -> None:
        where = (f"run {run_id} recorded as failed" if recorded else f"run {run_id} could not be marked failed"
                 ) if run_id else "no run recorded"
        super().__init__(f"the night failed in {step}: {cause} ({where})")
        self.step, self.run_id = step, run_id


class NightInterrupted(SystemExit):
    """A signal (SIGTERM, SIGINT) stopped a night; the run is recorded `interrupted`.

    A SystemExit, not a JobzoneError, on purpose: no `except Exception` on the way out may
    swallow it, and uncaught it ends any process that runs a night (`jobzone run`,
    `python -m sim.nightrun`, a Prefect worker's child) with 128 + the signal number and no
    traceback. The CLI prints it as one `error:` line first.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum
        self.step: str | None = None
        self.run_id: str | None = None
        self.recorded = False

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def __str__(self) -> str:
        import signal

        name = signal.Signals(self.signum).name
        where = f" during {self.step}" if self.step else ""
        if self.run_id:
            run = f"run {self.run_id} recorded as interrupted" if self.recorded else \
                f"run {self.run_id} could not be marked interrupted"
        else:
            run = "no run was recorded"
        return f"interrupted by {name}{where} ({run}; nothing half-written: every write is a transaction)"
