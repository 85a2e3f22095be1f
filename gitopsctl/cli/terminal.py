"""What the user sees: flux's status vocabulary on stderr, data on stdout.

► action, ✔ success, ✗ failure, ◎ waiting, ⚠ warning. On a terminal a spinner runs while a
step works; elsewhere every line is plain text, so logs and golden tests stay stable.
rich is imported only when a terminal needs it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from gitopsctl.redaction import redact

if TYPE_CHECKING:
    from gitopsctl.flux.health import Report
    from gitopsctl.status import Status

ACTION, SUCCESS, FAILURE, WAITING, WARNING = "►", "✔", "✗", "◎", "⚠"
# How each judgement looks in a table or a report line: the only place a status meets a glyph.
_STATUS_GLYPHS = {"ok": SUCCESS, "waiting": WAITING, "warning": WARNING, "failed": FAILURE, "skipped": "-"}


def glyph(status: Status) -> str:
    return _STATUS_GLYPHS[status.value]


REPORT_SECTIONS = (
    ("controllers", "Controllers"),
    ("sync", "Sync"),
    ("kustomizations", "Kustomizations (dependency order)"),
    ("images", "Image automation"),
    ("secrets", "Secrets"),
    ("workloads", "Workloads"),
    ("cluster", "Cluster"),
)


# NamedTuples, not dataclasses, on every command's start path: dataclasses costs ~1 ms to load.
class StepRecord(NamedTuple):
    title: str
    seconds: float
    ok: bool


class Terminal:
    def __init__(
        self,
        *,
        verbosity: int = 0,
        quiet: bool = False,
        color: bool = True,
        stderr: IO[str] | None = None,
        stdout: IO[str] | None = None,
    ) -> None:
        self.verbosity = verbosity
        self.quiet = quiet
        self._stderr = stderr or sys.stderr
        self._stdout = stdout or sys.stdout
        self.interactive = bool(getattr(self._stderr, "isatty", lambda: False)())
        self._color = color and self.interactive
        self._console: Any = None
        self.steps: list[StepRecord] = []

    # -- status lines ---------------------------------------------------------------------
    def action(self, text: str) -> None:
        self._status(ACTION, text, "cyan")

    def success(self, text: str) -> None:
        self._status(SUCCESS, text, "green")

    def waiting(self, text: str) -> None:
        self._status(WAITING, text, "yellow")

    def note(self, text: str) -> None:
        """Information, not a problem (the ◎ of flux's vocabulary): SOPS-encrypted, not checked here."""
        self._status(WAITING, text, "blue")

    def warning(self, text: str) -> None:
        self._status(WARNING, text, "yellow", always=True)

    def failure(self, text: str) -> None:
        self._status(FAILURE, text, "red", always=True)

    def info(self, text: str) -> None:
        if not self.quiet:
            self._write_err(redact(text))

    def debug(self, text: str) -> None:
        if self.verbosity > 0:
            self._write_err(redact(text), style="dim")

    def _status(self, glyph: str, text: str, style: str, *, always: bool = False) -> None:
        if self.quiet and not always:
            return
        self._write_err(f"{glyph} {redact(text)}", style=style)

    def _write_err(self, line: str, style: str | None = None) -> None:
        if self._color:
            from rich.markup import escape

            console = self._rich_console()
            console.print(f"[{style}]{escape(line)}[/]" if style else escape(line), highlight=False)
        else:
            self._stderr.write(line + "\n")
            self._stderr.flush()

    def _rich_console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self._stderr, highlight=False)
        return self._console

    # -- steps ----------------------------------------------------------------------------
    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Run a step: a spinner while it works, then ✔ or ✗ with its elapsed time."""
        started = time.monotonic()
        status = None
        if self._color and not self.quiet:
            status = self._rich_console().status(f"{title}…", spinner="dots")
            status.start()
        elif not self.quiet:
            self.action(title)
        try:
            yield
        except BaseException:
            if status is not None:
                status.stop()
            elapsed = time.monotonic() - started
            self.steps.append(StepRecord(title, elapsed, ok=False))
            self.failure(f"{title} ({elapsed:.1f}s)")
            raise
        if status is not None:
            status.stop()
        elapsed = time.monotonic() - started
        self.steps.append(StepRecord(title, elapsed, ok=True))
        self.success(f"{title} ({elapsed:.1f}s)")

    def summary(self) -> None:
        """One line after a multi-step command: every step with its time."""
        if self.quiet or not self.steps:
            return
        total = sum(step.seconds for step in self.steps)
        parts = " · ".join(f"{step.title} {step.seconds:.1f}s" for step in self.steps)
        failed = any(not step.ok for step in self.steps)
        self._write_err(
            f"{FAILURE if failed else SUCCESS} {len(self.steps)} steps in {total:.1f}s: {parts}",
            style="red" if failed else "dim",
        )

    # -- reports --------------------------------------------------------------------------
    def report(self, report: Report, *, first_title: bool = True) -> None:
        """Sections, the Kustomizations as a tree under what they depend on, a glyph a line."""
        lines = render_report(report)
        for line in lines if first_title else lines[1:]:
            self.info(line)

    # -- data -----------------------------------------------------------------------------
    # Data on stdout is what the user asked for and is never built from plaintext secrets;
    # it is not passed through the redactor, which could corrupt it (a secret "alpha" inside
    # "v1alpha1"). Status lines, tables and errors always are.
    def emit_json(self, document: Any) -> None:
        import json

        self._stdout.write(json.dumps(document, indent=2, sort_keys=False) + "\n")
        self._stdout.flush()

    def emit_text(self, text: str) -> None:
        self._stdout.write(text)
        if not text.endswith("\n"):
            self._stdout.write("\n")
        self._stdout.flush()

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None = None) -> None:
        """A table on stderr (human output); plain aligned columns when not a terminal."""
        if self.quiet:
            return
        rows = [[redact(cell) for cell in row] for row in rows]
        if self._color:
            from rich.table import Table

            table = Table(title=title, title_justify="left", header_style="bold")
            for header in headers:
                table.add_column(header)
            for row in rows:
                table.add_row(*row)
            self._rich_console().print(table)
            return
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
        if title:
            self._write_err(title)
        self._write_err("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
        for row in rows:
            self._write_err("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def render_report(report: Report) -> list[str]:
    lines: list[str] = []
    for section, title in REPORT_SECTIONS:
        findings = [f for f in report.findings if f.section == section]
        if not findings:
            continue
        if section == "kustomizations" and any(f.subject.startswith("HelmRelease ") for f in findings):
            title = "Kustomizations and HelmReleases (dependency order)"
        lines.append(title)
        # Drawn as a tree: each level indented under what it depends on; Kustomizations without their kind.
        cells = [
            (
                "  " * (f.level or 0) + f"{glyph(f.status)} " + f.subject.removeprefix("Kustomization "),
                f.detail,
            )
            for f in findings
        ]
        width = max(len(cell) for cell, _ in cells)
        lines.extend(f"  {cell.ljust(width)}  {detail}" for cell, detail in cells)
    return lines
