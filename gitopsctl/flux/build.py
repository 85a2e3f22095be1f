"""What Flux builds: each Kustomization's manifests, computed as kustomize-controller does.

For every Kustomization reachable from the cluster folder: the source it names (this
repository, or a local checkout of another source named in gitopsctl.toml), then the real
kustomize (``kubectl kustomize --load-restrictor LoadRestrictionsNone``, the restrictor
kustomize-controller uses) over its path, with a kustomization generated as Flux generates one
when the path has none, then ``targetNamespace``, ``patches``, ``images`` and ``components``
from its spec, then postBuild substitution by Flux's rules. The build also yields the files that
contribute to it (its closure), which ``history`` and ``rollback`` use.

Secret values pass through memory only: kustomize writes the build to a pipe, the overlay written
to a temporary folder holds paths and the Kustomization's own spec, never a manifest.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitopsctl.config import Config
from gitopsctl.errors import GitopsctlError, ToolFailed, ToolTimedOut
from gitopsctl.flux.build_cache import BuildCache
from gitopsctl.flux.objects import repository_path
from gitopsctl.flux.own_repository import OwnRepository
from gitopsctl.runner import Runner
from gitopsctl.yamlfiles import KUSTOMIZATION_NAMES, kustomization_file, load_built_documents, read_manifests

# A build that reaches out for a remote base must not hang an offline laptop.
BUILD_TIMEOUT = 30.0
# kustomize spends a quarter of its CPU collecting garbage at Go's default pace (GOGC=100) on
# builds that live 0.1 s: collect less often, within a bound on the heap. The operator's own
# settings win.
KUSTOMIZE_GC = {
    name: os.environ.get(name, value)
    for name, value in {"GOGC": "400", "GOMEMLIMIT": "512MiB", "GOMAXPROCS": "1"}.items()
}
ORIGIN = "config.kubernetes.io/origin"
SUBSTITUTE = "kustomize.toolkit.fluxcd.io/substitute"
FLUX_KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io/"
# Entries of a kustomization file that name files or folders (kustomize's types.Kustomization).
_LISTED_PATHS = ("resources", "bases", "components", "crds", "configurations", "generators", "transformers")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)", re.IGNORECASE)


def as_mapping(value: object) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one: manifests are read, not trusted."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Document:
    """One object of a build, with the file it came from (for messages and for markers)."""

    path: Path
    object: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.object.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.object.get("apiVersion", ""))

    @property
    def name(self) -> str:
        return str((self.object.get("metadata") or {}).get("name", ""))

    def namespace(self, default: str = "default") -> str:
        return str((self.object.get("metadata") or {}).get("namespace") or default)

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.object.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def is_flux_kustomization(self) -> bool:
        return self.kind == "Kustomization" and self.api_version.startswith(FLUX_KUSTOMIZE_GROUP)


@dataclass(frozen=True)
class SourceRef:
    kind: str
    namespace: str
    name: str

    @classmethod
    def of(cls, kustomization: Document) -> SourceRef:
        reference = kustomization.spec.get("sourceRef") or {}
        namespace = kustomization.namespace("flux-system")
        return cls(
            str(reference.get("kind") or "GitRepository"),
            str(reference.get("namespace") or namespace),
            str(reference.get("name") or ""),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass
class Build:
    """One Kustomization's build; ``error`` (kustomize's words) or ``not_checked`` when there is none."""

    key: str
    kustomization: Document
    source_root: Path | None = None
    path: Path | None = None
    documents: list[Document] = field(default_factory=list)
    closure: set[Path] = field(default_factory=set)
    error: str = ""
    not_checked: str = ""
    unlisted_sealed: list[tuple[Path, Path]] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)
    unresolved_variables: bool = False

    @property
    def label(self) -> str:
        return f"Kustomization {self.key}" if self.key else "the cluster folder"


@dataclass
class ClusterBuild:
    kustomizations: dict[str, Document] = field(default_factory=dict)
    builds: dict[str, Build] = field(default_factory=dict)
    root: Build | None = None

    def each(self) -> list[Build]:
        """Every build once (the root build is also the flux-system Kustomization's, when there is one)."""
        unique: dict[int, Build] = {}
        for build in [self.root, *self.builds.values()]:
            if build is not None:
                unique.setdefault(id(build), build)
        return list(unique.values())

    @property
    def documents(self) -> list[Document]:
        """What Flux applies."""
        return [document for build in self.each() for document in build.documents]

    @property
    def closure(self) -> set[Path]:
        return {path for build in self.each() for path in build.closure}

    def applied_by(self, repo: Path) -> dict[str, list[str]]:
        """Each file of this repository that contributes to a build (relative), and the
        Kustomizations whose build it contributes to; a build's folder counts as a whole, so a
        file added there later is in it too."""
        root = repo.resolve()
        files: dict[str, list[str]] = {}
        for build in self.each():
            label = build.key or "(cluster folder)"
            folders = [build.path] if build.path is not None and build.source_root == root else []
            for path in [*build.closure, *folders]:
                try:
                    relative = path.resolve().relative_to(root).as_posix()
                except ValueError:
                    continue  # another source's checkout
                files.setdefault(relative, []).append(label)
        return files


def applying(applied_by: dict[str, list[str]], files: Iterable[str]) -> list[str]:
    """The Kustomizations whose build ``files`` (repository paths) are in, or in whose folder they
    lie (a file a commit deleted is back in the folder once the commit is reverted)."""
    found: set[str] = set()
    for file in files:
        for path, kustomizations in applied_by.items():
            if file == path or file.startswith(path.rstrip("/") + "/") or path == ".":
                found.update(kustomizations)
    return sorted(found)


class Sources:
    """Where a Kustomization's source is on this machine: this repository, a checkout named in
    gitopsctl.toml ``[sources]`` (by ``name`` or ``namespace/name``), or nowhere."""

    def __init__(self, repo: Path, checkouts: dict[str, str], own: OwnRepository) -> None:
        self.repo = repo
        self.checkouts = checkouts
        self.own = own

    @classmethod
    def for_config(cls, repo: Path, config: Config) -> Sources:
        github = config.github
        own = [f"https://{github.hostname}/{github.owner}/{github.repository}"] if github.owner else []
        return cls(repo.resolve(), config.sources, OwnRepository.at(own, config.flux.namespace))

    def root(self, reference: SourceRef, objects: dict[str, Document]) -> tuple[Path | None, str]:
        """The folder holding ``reference``'s files, or None and why it is not checked."""
        for key in (f"{reference.namespace}/{reference.name}", reference.name):
            if key in self.checkouts:
                checkout = (self.repo / self.checkouts[key]).resolve()
                if checkout.is_dir():
                    return checkout, ""
                return None, f"source {reference} is mapped to {self.checkouts[key]}, which is not a folder"
        if reference.kind == "GitRepository":
            source = objects.get(f"GitRepository/{reference.namespace}/{reference.name}")
            url = str(source.spec.get("url", "")) if source else ""
            if self.own.holds(reference.namespace, reference.name, url):
                return self.repo, ""
        return None, (
            f"source {reference} is not in this repository "
            "(name a local checkout of it under [sources] in gitopsctl.toml)"
        )


class Builder:
    """Builds every Kustomization reachable from the cluster folder, in parallel by rounds."""

    def __init__(self, runner: Runner, sources: Sources, cache: BuildCache | None = None) -> None:
        self.runner = runner
        self.sources = sources
        self.cache = cache
        self.workers = min(8, (os.cpu_count() or 2) * 2)

    @classmethod
    def for_config(cls, runner: Runner, repo: Path, config: Config) -> Builder:
        """The builder every command uses: sources from gitopsctl.toml, builds kept in the user's cache."""
        return cls(runner, Sources.for_config(repo, config), BuildCache.in_user_cache(Path(runner.which("kubectl"))))

    def build_folder(self, folder: Path) -> Build:
        """``folder`` as a Kustomization without transformers builds it (flux bootstrap's flux-system)."""
        build = Build(key="", kustomization=Document(folder, {}), source_root=self.sources.repo, path=folder)
        self._build(build)
        return build

    def build_cluster(self, cluster_dir: Path) -> ClusterBuild:
        result = ClusterBuild()
        root = result.root = self.build_folder(cluster_dir)
        objects = _index(root.documents)
        pending = self._discover(result, root, cluster_dir, objects)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while pending:
                for build in pending:
                    self._locate(build, objects)
                list(pool.map(self._build, pending))
                for build in pending:
                    objects.update(_index(build.documents))
                discovered: list[Build] = []
                for build in pending:
                    discovered.extend(self._discover(result, build, cluster_dir, objects))
                pending = discovered
        # Flux reads substituteFrom objects from the cluster: offline, from any build that holds them.
        for build in result.each():
            if build.key:
                _substitute(build, objects)
            build.closure.update(self._charts(build, objects))
        return result

    def _charts(self, build: Build, objects: dict[str, Document]) -> set[Path]:
        """The chart folders and values files of HelmReleases whose chart comes from a Git source
        on this machine: a change there changes what the release installs."""
        found: set[Path] = set()
        for document in build.documents:
            chart = as_mapping(as_mapping(document.spec.get("chart")).get("spec"))
            reference = as_mapping(chart.get("sourceRef"))
            if document.kind != "HelmRelease" or reference.get("kind") != "GitRepository":
                continue
            namespace = str(reference.get("namespace") or document.namespace())
            root, _ = self.sources.root(SourceRef("GitRepository", namespace, str(reference.get("name"))), objects)
            if root is None:
                continue
            folder = root / repository_path(str(chart.get("chart", "")))
            found.update(
                p for p in [folder, *(folder / str(v) for v in _strings(chart.get("valuesFiles")))] if p.exists()
            )
        return found

    def _discover(
        self, result: ClusterBuild, parent: Build, cluster_dir: Path, objects: dict[str, Document]
    ) -> list[Build]:
        """The Kustomizations ``parent`` applies that are not known yet; the one whose path is the
        cluster folder in this repository is the root build itself (flux bootstrap's flux-system)."""
        found = []
        for document in parent.documents:
            if not document.is_flux_kustomization:
                continue
            key = f"{document.namespace('flux-system')}/{document.name}"
            if key in result.kustomizations:
                continue
            result.kustomizations[key] = document
            build = Build(key=key, kustomization=document)
            # Located for real before its round, when the sources this round brings are known.
            source, _ = self.sources.root(SourceRef.of(document), objects)
            path = source / repository_path(str(document.spec.get("path", ""))) if source else None
            if path is not None and path.resolve() == cluster_dir.resolve() and result.root is not None:
                result.builds[key] = result.root
                result.root.key = key
                result.root.kustomization = document
                continue
            result.builds[key] = build
            found.append(build)
        return found

    def _locate(self, build: Build, objects: dict[str, Document]) -> None:
        if build.source_root is not None or build.not_checked:
            return
        root, why = self.sources.root(SourceRef.of(build.kustomization), objects)
        if root is None:
            build.not_checked = why
            return
        build.source_root = root
        build.path = root / repository_path(str(build.kustomization.spec.get("path", "")))

    def _build(self, build: Build) -> None:
        spec = build.kustomization.spec
        if build.path is None or build.not_checked:
            return
        if not build.path.is_dir():
            relative = repository_path(str(spec.get("path", "")))
            build.error = f"path ./{relative} does not exist"
            return
        listing = _Closure(build.path)
        build.closure = listing.files
        build.unlisted_sealed = listing.unlisted_sealed
        build.remote = listing.remote
        overlay = _overlay(spec, build.path, listing)
        key = self.cache.key(overlay, listing.files) if self.cache and not listing.remote else ""
        cached = self.cache.get(key) if self.cache and key else None
        if cached is not None:
            kept, extra = cached
            build.documents = [Document(origin, item) for origin, item in kept]
            build.closure |= extra
            return
        directory = Path(tempfile.mkdtemp(prefix="gitopsctl-build-"))
        try:
            overlay_text = json.dumps(_relative_overlay(overlay, directory), indent=1)
            (directory / "kustomization.yaml").write_text(overlay_text, encoding="utf-8")
            completed = self.runner.run(
                "kubectl",
                ["kustomize", "--load-restrictor", "LoadRestrictionsNone", str(directory)],
                timeout=BUILD_TIMEOUT,
                env=KUSTOMIZE_GC,
            )
            where = os.path.relpath(build.path, build.source_root or build.path)
            documents = load_built_documents(completed.stdout, f"the build of ./{where}".removesuffix("/."))
        except ToolFailed as failure:
            build.error = _kustomize_message(failure, directory, build.source_root or build.path, listing.remote)
            return
        except ToolTimedOut:
            build.error = f"kustomize build did not finish within {BUILD_TIMEOUT:g}s" + _remote_note(listing.remote)
            return
        except GitopsctlError as error:
            build.error = error.message
            return
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        for item in documents:
            if isinstance(item, dict):
                origin = _pop_origin(item, directory, build.path)
                if origin.is_file():
                    build.closure.add(origin)
                build.documents.append(Document(origin, item))
        if self.cache and key:
            self.cache.put(key, [(d.path, d.object) for d in build.documents], build.closure - listing.files)


def _substitute(build: Build, objects: dict[str, Document]) -> None:
    """postBuild substitution, on the objects that do not opt out."""
    kustomization = build.kustomization
    variables = _Variables.of(kustomization.spec, kustomization.namespace("flux-system"), objects)
    if not variables.active:
        return
    build.documents = [
        d if _substitution_disabled(d.object) else Document(d.path, variables.substitute(d.object))
        for d in build.documents
    ]
    build.unresolved_variables = variables.unresolved


def _index(documents: Iterable[Document]) -> dict[str, Document]:
    return {f"{d.kind}/{d.namespace('flux-system')}/{d.name}": d for d in documents if d.kind}


class _Closure:
    """The files a kustomize build of ``directory`` reads, found by following kustomization files
    (or, without one, Flux's generator: every manifest below, and folders that have their own)."""

    def __init__(self, directory: Path) -> None:
        self.files: set[Path] = set()
        self.remote: list[str] = []
        self.generated: list[Path] = []
        self.unlisted_sealed: list[tuple[Path, Path]] = []
        self._visited: set[Path] = set()
        if kustomization_file(directory).is_file():
            self._kustomization(directory)
        else:
            self.generated = _generated_resources(directory)
            for entry in self.generated:
                if entry.is_dir():
                    self._kustomization(entry)
                else:
                    self.files.add(entry)

    def _kustomization(self, directory: Path) -> None:
        # normpath, not resolve: a realpath per entry cost more than the rest of the walk
        directory = Path(os.path.normpath(directory))
        if directory in self._visited:
            return
        self._visited.add(directory)
        path = kustomization_file(directory)
        if not path.is_file():
            return  # kustomize reports it
        self.files.add(path)
        try:
            listing = read_manifests(path)
        except GitopsctlError:
            return  # kustomize reports it, in its words
        document = listing[0] if listing and isinstance(listing[0], dict) else {}
        reached: set[Path] = set()
        for entry in self._entries(document):
            if _REMOTE.match(entry):
                self.remote.append(entry)
                continue
            target = Path(os.path.normpath(directory / entry))
            try:
                is_folder = stat.S_ISDIR(target.stat().st_mode)
            except OSError:
                continue  # missing: kustomize reports it
            reached.add(target)
            if is_folder:
                self._kustomization(target)
            else:
                self.files.add(target)
        for candidate in sorted(directory.glob("*.y*ml")):
            if candidate in reached or candidate.name in KUSTOMIZATION_NAMES:
                continue
            if "kind: SealedSecret" in candidate.read_text(encoding="utf-8", errors="replace"):
                self.unlisted_sealed.append((candidate, path))

    @staticmethod
    def _entries(document: dict[str, Any]) -> Iterator[str]:
        for key in _LISTED_PATHS:
            yield from (e for e in _strings(document.get(key)) if "\n" not in e)
        for item in _strings(document.get("patchesStrategicMerge")):
            if "\n" not in item:  # otherwise an inline patch
                yield item
        for key in ("patches", "patchesJson6902", "replacements"):
            for item in document.get(key) or []:
                if isinstance(item, dict) and isinstance(item.get("path"), str):
                    yield item["path"]
        for key in ("configMapGenerator", "secretGenerator"):
            for generator in document.get(key) or []:
                if not isinstance(generator, dict):
                    continue
                for file in _strings(generator.get("files")):
                    yield file.rpartition("=")[2]
                yield from _strings(generator.get("envs"))
                if isinstance(generator.get("env"), str):
                    yield generator["env"]
        for chart in document.get("helmCharts") or []:
            if isinstance(chart, dict):
                yield from _strings(chart.get("valuesFile"))
                yield from _strings(chart.get("additionalValuesFiles"))
        openapi = document.get("openapi")
        if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
            yield openapi["path"]


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _generated_resources(directory: Path) -> list[Path]:
    """Flux's generated kustomization (fluxcd/pkg kustomize generator): every .yaml/.yml file
    below ``directory``; a folder with its own kustomization file is listed whole, not entered."""
    found: list[Path] = []
    for current, subdirs, files in os.walk(directory):
        here = Path(current)
        keep = []
        for name in sorted(subdirs):
            if any((here / name / k).is_file() for k in KUSTOMIZATION_NAMES):
                found.append(here / name)
            else:
                keep.append(name)
        subdirs[:] = keep
        found.extend(here / name for name in sorted(files) if name.endswith((".yaml", ".yml")))
    return found


def _overlay(spec: dict[str, Any], path: Path, closure: _Closure) -> dict[str, Any]:
    """The kustomization kustomize-controller builds: the path (or its generated listing) with the
    Kustomization's own transformers; paths absolute here, made relative when written."""
    overlay: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [str(p) for p in closure.generated] if not kustomization_file(path).is_file() else [str(path)],
        "buildMetadata": ["originAnnotations"],
    }
    if spec.get("targetNamespace"):
        overlay["namespace"] = str(spec["targetNamespace"])
    for key in ("namePrefix", "nameSuffix"):
        if isinstance(spec.get(key), str):
            overlay[key] = spec[key]
    if isinstance(spec.get("patches"), list):
        overlay["patches"] = spec["patches"]
    if isinstance(spec.get("images"), list):
        overlay["images"] = spec["images"]
    if isinstance(spec.get("components"), list):
        overlay["components"] = [str(path / c) for c in spec["components"] if isinstance(c, str)]
    metadata = spec.get("commonMetadata")
    if isinstance(metadata, dict):
        if isinstance(metadata.get("labels"), dict):
            overlay["labels"] = [{"pairs": metadata["labels"], "includeSelectors": False}]
        if isinstance(metadata.get("annotations"), dict):
            overlay["commonAnnotations"] = metadata["annotations"]
    return overlay


def _relative_overlay(overlay: dict[str, Any], directory: Path) -> dict[str, Any]:
    """kustomize refuses absolute roots: each path relative to the overlay's own folder."""
    relative = dict(overlay)
    for key in ("resources", "components"):
        if key in relative:
            relative[key] = [os.path.relpath(p, directory) for p in relative[key]]
    return relative


def _pop_origin(item: dict[str, Any], directory: Path, fallback: Path) -> Path:
    """The file an object came from, from the origin annotation kustomize adds (then removed, so
    no check sees it); a generated object names the kustomization file that configured it."""
    metadata = as_mapping(item.get("metadata"))
    annotations = as_mapping(metadata.get("annotations"))
    if ORIGIN not in annotations:
        return fallback
    origin = str(annotations.pop(ORIGIN))
    if not annotations:
        metadata.pop("annotations")
    match = re.search(r"^(?:path|configuredIn):\s*(\S+)", origin, re.MULTILINE)
    if match is None or "://" in match.group(1):
        return fallback
    return Path(os.path.normpath(directory / match.group(1)))


def _kustomize_message(failure: ToolFailed, directory: Path, root: Path, remote: list[str]) -> str:
    text = failure.stderr or failure.stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = next((x for x in lines if x.lower().startswith("error:")), lines[-1] if lines else "no output")
    line = re.sub(r'^E\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err=', "", line).strip('"')
    line = line.removeprefix("error: ")
    # The overlay is ours, not the operator's: paths as the operator knows them, in their repository.
    line = line.replace(os.path.relpath(root, directory) + "/", "").replace(str(root) + "/", "")
    line = line.replace(str(directory), "the build")
    return f"kustomize build fails: {line}" + _remote_note(remote)


def _remote_note(remote: list[str]) -> str:
    return f" (it needs remote resources: {', '.join(remote)})" if remote else ""


def _substitution_disabled(item: dict[str, Any]) -> bool:
    metadata = as_mapping(item.get("metadata"))
    for key in ("annotations", "labels"):
        values = as_mapping(metadata.get(key))
        if str(values.get(SUBSTITUTE, "")).lower() == "disabled":
            return True
    return False


# Flux's postBuild rules (drone/envsubst): ${VAR}, ${VAR:=default}, ${VAR:-default} and $VAR;
# "$$" writes a literal "$". Names are shell names.
_VARIABLE = re.compile(r"\$\$|\$\{([_A-Za-z][_A-Za-z0-9]*)(?:(:?[=-])([^}]*))?\}|\$([_A-Za-z][_A-Za-z0-9]*)")


@dataclass
class _Variables:
    values: dict[str, str]
    active: bool
    complete: bool  # every substituteFrom source was found: an unknown variable is then empty
    unresolved: bool = False

    @classmethod
    def of(cls, spec: dict[str, Any], namespace: str, objects: dict[str, Document]) -> _Variables:
        post_build = as_mapping(spec.get("postBuild"))
        values: dict[str, str] = {}
        complete = True
        for reference in post_build.get("substituteFrom") or []:
            if not isinstance(reference, dict):
                continue
            found = _variables_from(objects.get(f"{reference.get('kind')}/{namespace}/{reference.get('name')}"))
            if found is None:
                complete = complete and bool(reference.get("optional"))
                continue
            values.update(found)
        substitute = post_build.get("substitute")
        if isinstance(substitute, dict):
            values.update({str(k): str(v) for k, v in substitute.items()})
        return cls(
            values, active=bool(post_build.get("substitute") or post_build.get("substituteFrom")), complete=complete
        )

    def substitute(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {key: self.substitute(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self.substitute(value) for value in node]
        if isinstance(node, str) and "$" in node:
            return _VARIABLE.sub(self._replace, node)
        return node

    def _replace(self, match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        if name in self.values and (self.values[name] or match.group(2) in (None, "=", "-")):
            return self.values[name]
        if match.group(2) is not None:
            return match.group(3)
        if self.complete:
            return ""
        self.unresolved = True
        return match.group(0)


def _variables_from(source: Document | None) -> dict[str, str] | None:
    """The data of a ConfigMap or Secret a substituteFrom names, when Git holds it in the clear."""
    if source is None or source.object.get("sops"):
        return None
    item = source.object
    values = {str(k): str(v) for k, v in (item.get("data") or {}).items()}
    if source.kind == "Secret":
        try:
            values = {k: base64.b64decode(v).decode("utf-8") for k, v in values.items()}
        except (ValueError, UnicodeDecodeError):
            return None
        values.update({str(k): str(v) for k, v in (item.get("stringData") or {}).items()})
    return values
