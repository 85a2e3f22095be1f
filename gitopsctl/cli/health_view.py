"""How a health report looks: sections, the Kustomization tree, one glyph per line."""

from __future__ import annotations

from gitopsctl.cli.terminal import STATUS_GLYPHS
from gitopsctl.flux.health import Report
from gitopsctl.status import Status

SECTIONS = (
    ("controllers", "Controllers"),
    ("sync", "Sync"),
    ("kustomizations", "Kustomizations (dependency order)"),
    ("images", "Image automation"),
    ("secrets", "Secrets"),
    ("workloads", "Workloads"),
    ("cluster", "Cluster"),
)


def render_report(report: Report) -> list[str]:
    lines: list[str] = []
    for section, title in SECTIONS:
        findings = [f for f in report.findings if f.section == section]
        if not findings:
            continue
        lines.append(title)
        # Kustomizations are drawn as a tree: each level indented under what it depends on.
        cells = [
            (
                "  " * (f.level or 0) + f"{STATUS_GLYPHS[f.status]} " + f.subject.removeprefix("Kustomization "),
                f.detail,
            )
            for f in findings
        ]
        width = max(len(cell) for cell, _ in cells)
        lines.extend(f"  {cell.ljust(width)}  {detail}" for cell, detail in cells)
    return lines


def summary(report: Report) -> tuple[bool, str]:
    problems = [f for f in report.findings if f.status in (Status.FAILED, Status.WAITING)]
    if not problems:
        return True, "all healthy and in sync"
    first = problems[0]
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return False, f"{len(problems)} not healthy: {first.subject}: {first.detail}{more}"
