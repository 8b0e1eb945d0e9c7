"""How `jobzone run` shows a night as it goes: stages and hosts, with marks and counts."""

from __future__ import annotations

from typing import Any


class StageDisplay:
    """The stages and hosts of a night as they go: ✓ done, ⚠ degraded (done, part of it
    failed), ✗ failed; a host counts its requests out (done/total, ETA).

    On a terminal a live Rich display; elsewhere (cron, systemd, a pipe) one plain line per
    change and per tenth of a host's requests, since a live display only prints at the end.
    """

    MARKS = {"done": ("✓", "green"), "degraded": ("⚠", "yellow"), "failed": ("✗", "red")}

    def __init__(self, out: Any, enabled: bool = True) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

        self.out, self.enabled, self.live = out, enabled, enabled and out.is_terminal
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), console=out,
                            disable=not self.live)
        self.tasks: dict[str, Any] = {}
        self.lines: dict[str, str] = {}
        self.printed_tenth: dict[str, int] = {}

    def __enter__(self) -> "StageDisplay":
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)

    def _task(self, name: str) -> Any:
        if name not in self.tasks:
            self.tasks[name] = self.bar.add_task(name, total=None)
        return self.tasks[name]

    def on_stage(self, name: str, status: str, detail: str) -> None:
        from rich.markup import escape

        mark, colour = self.MARKS.get(status, ("…", ""))
        text = f"{name}: {detail or status}"
        self.lines[name] = text
        if self.live:
            finished = status in self.MARKS
            self.bar.update(self._task(name), description=f"[{colour}]{mark}[/{colour}] {escape(text)}"
                            if colour else f"{mark} {escape(text)}", total=1 if finished else None,
                            completed=1 if finished else 0)
        elif self.enabled:
            self.out.print(f"{mark} {text}", markup=False, highlight=False, soft_wrap=True)

    def on_count(self, name: str, count: Any) -> None:
        from rich.markup import escape

        text = f"{name}: {count}"
        if self.live:
            self.bar.update(self._task(name), description=f"… {escape(text)}", total=count.total,
                            completed=count.done)
            return
        tenth = count.done * 10 // max(count.total, 1)
        if self.enabled and 0 < count.done < count.total and self.printed_tenth.get(name) != tenth:
            self.printed_tenth[name] = tenth
            self.out.print(f"… {name}: {count}", markup=False, highlight=False, soft_wrap=True)
