"""The house rules, checked on the code itself.

- A command module (one that defines a Click command or group) is imported by no module but
  the entry point (gitopsctl/__main__.py imports the root group); the loader imports commands
  by name, on demand.
- Nothing outside gitopsctl/cli/ imports Click or rich, and every such module imports with
  both made unimportable.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.harness.without_click import run_without_click

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "gitopsctl"
CLICK_COMMAND = re.compile(r"^@click\.(?:command|group)\(", re.MULTILINE)
ENTRY_POINT = {"gitopsctl.__main__": {"gitopsctl.cli"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path) -> set[str]:
    """Every module an import statement names (anywhere in the file, relative ones resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_no_module_imports_a_command_module():
    everything = modules()
    commands = {name for name, path in everything.items() if CLICK_COMMAND.search(path.read_text(encoding="utf-8"))}
    assert {"gitopsctl.cli", "gitopsctl.cli.seal", "gitopsctl.cli.verify", "gitopsctl.cli.seal.fetch_cert"} <= commands
    offenders = {
        name: sorted(imported & commands - ENTRY_POINT.get(name, set()))
        for name, path in everything.items()
        if (imported := imports_of(name, path)) & commands - ENTRY_POINT.get(name, set())
    }
    assert offenders == {}


def test_nothing_outside_the_cli_imports_click_or_rich():
    offenders = {
        name: sorted(i for i in imports_of(name, path) if i.split(".")[0] in ("click", "rich"))
        for name, path in modules().items()
        if not name.startswith("gitopsctl.cli") and name != "gitopsctl.__main__"
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_every_domain_module_imports_without_click_and_rich():
    domain = [name for name in modules() if not name.startswith("gitopsctl.cli") and name != "gitopsctl.__main__"]
    result = run_without_click(f"import importlib\nfor name in {domain!r}:\n    importlib.import_module(name)\n")
    assert result.returncode == 0, result.stderr
    assert len(domain) > 30
