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
