"""YAML in one room: reading documents, finding them in a repository, writing them as Kubernetes
tools do, and editing the operator's files without losing their comments or order.

ruamel.yaml is imported only by the functions that parse or edit: writing a SealedSecret (dump)
needs no YAML library, so sealing does not pay for one at start.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from gitopsctl.errors import InputError
from gitopsctl.shapes import check_shapes, kind_of

if TYPE_CHECKING:
    # Writing a SealedSecret needs no path: pathlib (~3 ms with urllib.parse) loads with the walker.
    from pathlib import Path

KUSTOMIZATION = "kustomization.yaml"
KUSTOMIZATION_NAMES = (KUSTOMIZATION, "kustomization.yml", "Kustomization")
# Never part of what Flux applies: hidden folders (.git, .github, .venv) and tools' caches.
_NOT_MANIFESTS = frozenset({"node_modules", "__pycache__"})


def yaml_files(root: Path) -> Iterator[Path]:
    """Every .yaml/.yml file under ``root``, in a stable order; the one walk every reader uses."""
    from pathlib import Path  # noqa: PLC0415 - kept off the sealing path's start-up

    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in _NOT_MANIFESTS)
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")):
                yield Path(directory) / name


def round_trip():
    """A ruamel.yaml set up to write back what it read: quotes, comments, order, long lines."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.width = 4096
    return yaml


def kustomization_file(directory: Path) -> Path:
    """The kustomization file kustomize reads in ``directory`` (its names, in its order)."""
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return directory / KUSTOMIZATION


class Listing(NamedTuple):
    path: Path
    text: str
    added: list[str]


def kustomization_listing(directory: Path, resources: Iterable[str]) -> Listing | None:
    """The kustomization file of ``directory`` with ``resources`` listed: the path to write, its
    new text and the entries added, or None when every one is listed already. Read once for any number of entries.

    The file stays what kustomize reads: kustomization.yml or Kustomization when that is the
    one there, a byte order mark kept (and not read into the first key), a symlink kept a link
    (the path returned is its target). A file that cannot take an entry is refused here,
    before the command writes anything.
    """
    path = kustomization_file(directory)
    yaml, document, byte_order_mark = _load_kustomization(path)
    listed = document.get("resources")
    if listed is None:
        from ruamel.yaml.comments import CommentedSeq

        listed = CommentedSeq()
        document["resources"] = listed
    present = {entry for entry in listed if isinstance(entry, str)}
    missing = [resource for resource in dict.fromkeys(resources) if resource not in present]
    if not missing:
        return None
    listed.extend(missing)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return Listing(path.resolve() if path.is_symlink() else path, byte_order_mark + buffer.getvalue(), missing)


def _load_kustomization(path: Path) -> tuple[Any, Any, str]:
    yaml = round_trip()
    empty = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
    raw = path.read_bytes() if path.is_file() else b""
    byte_order_mark = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    try:
        document = yaml.load(raw.decode("utf-8-sig")) if raw.strip() else None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text", hint="save it as UTF-8") from None
    except Exception as exc:  # ruamel raises many YAMLError subclasses
        raise InputError(f"{path}: not valid YAML ({type(exc).__name__})", hint="fix it and run again") from None
    if document is None:
        document = yaml.load(empty)
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a Kustomization (a mapping)", hint="fix it and run again")
    resources = document.get("resources")
    if resources is not None and not isinstance(resources, list):
        raise InputError(
            f"{path}: 'resources' must be a list of files, not {kind_of(resources)}",
            hint="write it as a list (- file.yaml)",
        )
    return yaml, document, byte_order_mark


def read_text(path: Path, what: str = "") -> str:
    """A file the operator wrote, as text: not UTF-8, or unreadable, is one line naming it."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{what or path}: not UTF-8 text", hint="save it as UTF-8 and run again") from None
    except OSError as error:
        raise InputError(f"{what or path}: cannot be read ({error.strerror})", hint="check the path") from None


def read_manifests(path: Path) -> list[object]:
    """The documents of one manifest file, through the one loader."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})", hint="check the path") from None
    return load_yaml_documents(raw, str(path))


# Past this many values once aliases are expanded, a document is an alias bomb, not a manifest
# (a 1.6 KB one grew past 2.5 GB and ended in a raw traceback).
MAX_EXPANDED_VALUES = 1_000_000


def load_yaml_documents(text: str | bytes, source: str) -> list[object]:
    """All documents of a YAML (or JSON) stream, as plain dicts and lists: the one loader.

    Bytes that are not UTF-8 are refused naming ``source``; loading is bounded against alias
    loops and alias bombs; every Kubernetes object is held against the shapes of the fields
    gitopsctl reads, so no reader meets `metadata: true` unprepared.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{source}: not UTF-8 text", hint="save it as UTF-8 and run again") from None
    if text.lstrip().startswith("{"):
        import json  # noqa: PLC0415 - JSON needs no YAML parser, which keeps large batches fast

        try:
            documents = [json.loads(text)]
        except (json.JSONDecodeError, RecursionError):
            documents = _load_yaml(text, source)
    else:
        documents = _load_yaml(text, source)
    for document in documents:
        _check_expansion(document, source)
        check_shapes(document, source)
    return documents


def load_built_documents(text: str, source: str) -> list[object]:
    """The documents kustomize printed: machine-written YAML, read by libyaml's C loader (some
    twenty times faster than the pure loader on a 5,000-object build), and held against the
    same shapes as every other document. Kustomize emits no aliases, so no bomb can hide here."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = [d for d in yaml.load_all(text, Loader=loader) if d is not None]
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML ({type(exc).__name__})") from None
    for document in documents:
        check_shapes(document, source)
    return documents


def _load_yaml(text: str, source: str) -> list[object]:
    from ruamel.yaml import YAML

    try:
        return [document for document in YAML(typ="safe", pure=True).load_all(text) if document is not None]
    except RecursionError:
        raise InputError(f"{source}: nested too deeply to read", hint="fix it and run again") from None
    except Exception as exc:  # ruamel raises many YAMLError subclasses
        raise InputError(f"{source}: not valid YAML or JSON ({type(exc).__name__})") from None


def _check_expansion(document: object, source: str) -> None:
    """Refuse a document whose aliases refer to themselves or expand past MAX_EXPANDED_VALUES.

    Aliased nodes are shared objects, so the expanded size is counted once per object
    (memoised), without ever expanding it.
    """
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[object, bool]] = [(document, False)]
    while stack:
        node, children_done = stack.pop()
        if not isinstance(node, dict | list):
            continue
        identity = id(node)
        children = list(node.values()) if isinstance(node, dict) else node
        if children_done:
            in_progress.discard(identity)
            total = 1 + sum(sizes.get(id(child), 1) for child in children)
            if total > MAX_EXPANDED_VALUES:
                raise InputError(
                    f"{source}: YAML aliases expand to over {MAX_EXPANDED_VALUES:,} values (an alias bomb)",
                    hint="write the values out, or use fewer nested aliases",
                )
            sizes[identity] = total
            continue
        if identity in sizes:
            continue
        if identity in in_progress:
            raise InputError(f"{source}: a YAML alias refers to itself (an endless loop)", hint="fix it and run again")
        in_progress.add(identity)
        stack.append((node, True))
        stack.extend((child, False) for child in children)


_DOCUMENT_START = re.compile(r"^---(?=[ \t]|$)", re.MULTILINE)
_PREAMBLE = re.compile(r"\A(?:---[^\n]*\n)?(?:[ \t]*(?:#[^\n]*)?\n)*")


def rewrite_documents(
    text: str, source: str, replace: Callable[[Any], Any | None], *, in_place: bool = False
) -> tuple[str, int]:
    """``text`` with each document that ``replace`` answers for (not None) written anew.

    Every other document, and the separator and comments above a rewritten one, are kept
    byte for byte: a file that holds a SealedSecret beside other objects stays what it was.
    With ``in_place``, ``replace`` receives the document as ruamel's round-trip reads it and
    changes it in place (answering True), so the comments inside it stay too.
    Returns the new text and how many documents were rewritten.
    """
    starts = sorted({0, *(match.start() for match in _DOCUMENT_START.finditer(text))})
    chunks = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    rewritten = 0
    for index, chunk in enumerate(chunks):
        documents = load_yaml_documents(chunk, source)
        if len(documents) != 1:
            continue  # only comments, or nothing
        preamble = _PREAMBLE.match(chunk)
        head = preamble.group(0) if preamble else ""
        if in_place:
            yaml = round_trip()
            document = yaml.load(chunk[len(head) :])
            if not replace(document):
                continue
            buffer = io.StringIO()
            yaml.dump(document, buffer)
            chunks[index] = head + buffer.getvalue()
        else:
            replacement = replace(documents[0])
            if replacement is None:
                continue
            chunks[index] = head + dump(replacement)
        rewritten += 1
    return "".join(chunks), rewritten


# -- writing, as sigs.k8s.io/yaml does: keys sorted, two-space indent, sequences not indented
# under their key, a string quoted only when it would otherwise read as something else.

_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_ ./+=@-]*$")
_RESERVED = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO"
    r"|on|On|ON|off|Off|OFF|[-+]?(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o?[0-7]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?\d+(?::\d+)+)$"
)


def dump(document: Any) -> str:
    return "".join(_lines(document, 0)) if isinstance(document, dict | list) else _scalar(document) + "\n"


def dump_all(documents: Iterable[Any]) -> str:
    """Each document preceded by ``---``, as kubeseal writes them."""
    return "".join("---\n" + dump(document) for document in documents)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _json(value)
    text = str(value)
    if _PLAIN.match(text) and not _RESERVED.match(text) and not text.endswith(" "):
        return text
    return _json(text)


def _json(value: Any) -> str:
    """A number, or a string that needs quoting, as JSON writes it (valid YAML). json is imported
    only here: a SealedSecret (base64 and plain names) is written without it."""
    import json  # noqa: PLC0415 - kept off the sealing path's start-up

    return json.dumps(value)


def _lines(node: Any, indent: int) -> Iterable[str]:
    pad = " " * indent
    if isinstance(node, dict):
        if not node:
            yield pad + "{}\n"
            return
        for key in sorted(node):
            value = node[key]
            label = f"{pad}{_scalar(str(key))}:"
            if isinstance(value, dict) and value:
                yield label + "\n"
                yield from _lines(value, indent + 2)
            elif isinstance(value, list) and value:
                yield label + "\n"
                yield from _lines(value, indent)
            else:
                yield f"{label} {_inline(value)}\n"
    else:
        if not node:
            yield pad + "[]\n"
            return
        for item in node:
            if isinstance(item, dict | list) and item:
                first, *rest = list(_lines(item, indent + 2))
                yield f"{pad}- {first[indent + 2 :]}"
                yield from rest
            else:
                yield f"{pad}- {_inline(item)}\n"


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)
