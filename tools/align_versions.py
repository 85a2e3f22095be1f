"""One version of each Kubernetes, controller-runtime, fluxcd/pkg and Helm module across the wrappers.

The wrappers build a dozen programs that share most of these modules. When every wrapper asks for
the same version, Go's build cache compiles a shared package once for all of them; one patch
release apart, it compiles it once per version. This script finds the newest version any wrapper
asks for and raises the others to it:

    python3 tools/align_versions.py          raise every wrapper to the newest versions (go get,
                                             go mod tidy; needs Go and the module proxy)
    python3 tools/align_versions.py --check  list the modules the wrappers disagree on; exit 1 if any

Only raising is safe: a wrapper's upstream module requires at least the version it names.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
SHARED_FAMILIES = re.compile(r"^(k8s\.io/|sigs\.k8s\.io/|github\.com/fluxcd/pkg/|helm\.sh/helm/v4$)")
# k8s.io/kubernetes is released as v1.X.Y alongside its staging modules' v0.X.Y; it moves with them.
KUBERNETES = "k8s.io/kubernetes"
GO_TIMEOUT = 900


def wrappers() -> list[Path]:
    return sorted(path.parent for path in TOOLS.glob("*/go.mod"))


def _module_lines(go_mod: str, directive: str) -> Iterator[str]:
    """The lines of a directive, in its one-line form or its block form."""
    in_block = False
    for raw in go_mod.splitlines():
        line = raw.split("//", 1)[0].strip()
        if in_block:
            if line == ")":
                in_block = False
            elif line:
                yield line
        elif line == f"{directive} (":
            in_block = True
        elif line.startswith(f"{directive} "):
            yield line[len(directive) + 1 :]


def shared_versions(go_mod: str) -> dict[str, str]:
    """The version the wrapper builds with for each shared module: a replace that pins a module to a
    release of itself wins over the require line."""
    versions = {}
    for line in _module_lines(go_mod, "require"):
        path, version = line.split()[:2]
        versions[path] = version
    for line in _module_lines(go_mod, "replace"):
        old, _, new = line.partition("=>")
        new_parts = new.split()
        if len(new_parts) == 2 and new_parts[0] == old.split()[0]:
            versions[new_parts[0]] = new_parts[1]
    return {path: version for path, version in versions.items() if SHARED_FAMILIES.match(path)}


def _semver_key(version: str) -> tuple[tuple[int, int, int], int, tuple[tuple[int, int | str], ...]]:
    """Go's semver order: a release sorts after its pre-releases (pseudo-versions are pre-releases
    whose timestamp sorts them)."""
    core, _, pre = version.lstrip("v").partition("-")
    major, minor, patch = (int(part) for part in [*core.split("+")[0].split("."), "0", "0"][:3])
    identifiers = tuple((0, int(part)) if part.isdigit() else (1, part) for part in pre.split(".") if pre)
    return (major, minor, patch), 0 if pre else 1, identifiers


def newest(versions_by_wrapper: dict[str, dict[str, str]]) -> dict[str, str]:
    targets: dict[str, str] = {}
    for versions in versions_by_wrapper.values():
        for path, version in versions.items():
            if path not in targets or _semver_key(version) > _semver_key(targets[path]):
                targets[path] = version
    return targets


def disagreements(versions_by_wrapper: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """For each module not at one version everywhere: the wrappers behind, and the version each has."""
    targets = newest(versions_by_wrapper)
    behind: dict[str, dict[str, str]] = {}
    for wrapper, versions in versions_by_wrapper.items():
        for path, version in versions.items():
            if path != KUBERNETES and version != targets[path]:
                behind.setdefault(path, {})[wrapper] = version
    return behind


def read_all() -> dict[str, dict[str, str]]:
    return {wrapper.name: shared_versions((wrapper / "go.mod").read_text()) for wrapper in wrappers()}


def _go(folder: Path, *args: str) -> None:
    subprocess.run(["go", *args], cwd=folder, check=True, timeout=GO_TIMEOUT)


def _source_folder(wrapper: Path) -> tuple[Path, bool]:
    """Where the wrapper's program builds, and whether that is a scratch copy to copy back from."""
    if any(wrapper.glob("*.go")) or "\ntool " in (wrapper / "go.mod").read_text():
        return wrapper, False
    assembled = subprocess.run(
        ["bash", str(TOOLS / "build.sh"), "assemble", wrapper.name],
        check=True,
        capture_output=True,
        text=True,
        timeout=GO_TIMEOUT,
    )
    return Path(assembled.stdout.strip()), True


def raise_wrapper(wrapper: Path, targets: dict[str, str]) -> None:
    go_mod = (wrapper / "go.mod").read_text()
    current = shared_versions(go_mod)
    pinned = {path for path in current if re.search(rf"^\s*(replace\s+)?{re.escape(path)}\s+=>", go_mod, re.M)}
    wanted = {
        path: targets[path] for path, version in current.items() if path != KUBERNETES and version != targets[path]
    }
    if not wanted:
        return
    if KUBERNETES in current:
        wanted[KUBERNETES] = "v1." + targets["k8s.io/api"].split(".", 1)[1]
    print(f"{wrapper.name}: " + ", ".join(f"{path} {current[path]} -> {v}" for path, v in wanted.items()))
    folder, scratch = _source_folder(wrapper)
    try:
        for path in sorted(pinned & wanted.keys()):
            _go(folder, "mod", "edit", f"-replace={path}={path}@{wanted[path]}")
        unpinned = sorted(wanted.keys() - pinned)
        if unpinned:
            _go(folder, "get", *(f"{path}@{wanted[path]}" for path in unpinned))
        # -e: tidy also wants the modules of upstream tests, some of which the proxy does not serve.
        _go(folder, "mod", "tidy", "-e")
        if scratch:
            for name in ("go.mod", "go.sum"):
                shutil.copyfile(folder / name, wrapper / name)
    finally:
        if scratch:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list disagreements")
    options = parser.parse_args()
    if options.check:
        behind = disagreements(read_all())
        for path, by_wrapper in sorted(behind.items()):
            print(f"{path}: " + ", ".join(f"{wrapper} {v}" for wrapper, v in sorted(by_wrapper.items())))
        if behind:
            print("run: python3 tools/align_versions.py (raises each wrapper to the newest version)")
        return 1 if behind else 0
    # Raising one module can raise others (go get follows requirements), so go round until none moves.
    for _ in range(4):
        versions = read_all()
        if not disagreements(versions):
            return 0
        targets = newest(versions)
        for wrapper in wrappers():
            raise_wrapper(wrapper, targets)
    print("the wrappers still disagree after four rounds; run with --check", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
