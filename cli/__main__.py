"""`python -m cli` runs the `jobzone` command (the tests start it this way in a child process)."""

from cli.app import app

app(prog_name="jobzone")
