"""How a health report looks: sections, the Kustomization tree, one glyph per line."""

from __future__ import annotations

from gitopsctl.cli.terminal import STATUS_GLYPHS
from gitopsctl.flux.health import Report

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
