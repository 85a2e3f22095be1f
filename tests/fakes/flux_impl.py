"""The behaviour behind tests/fakes/flux (see that file for the contract it follows)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared"
GOLDEN = SHARED / "testdata" / "flux-golden"
VERSION = "v2.9.4"
MIN_KUBERNETES = (1, 33, 0)
DEFAULT_COMPONENTS = [
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
]
EXTRA_COMPONENTS = {"image-reflector-controller", "image-automation-controller", "source-watcher"}

GLOBAL_FLAGS = {
    "--kubeconfig": "value",
    "--context": "value",
    "-n": "value",
    "--namespace": "value",
    "--timeout": "value",
    "--verbose": "bool",
    "--cache-dir": "value",
    "--insecure-skip-tls-verify": "bool",
    "--server": "value",
    "--kube-api-qps": "value",
    "--kube-api-burst": "value",
    "-h": "bool",
    "--help": "bool",
}
COMMAND_FLAGS: dict[tuple[str, ...], dict[str, str]] = {
    ("version",): {"--client": "bool", "-o": "value", "--output": "value"},
    ("check",): {
        "--pre": "bool",
        "--components": "value",
        "--components-extra": "value",
        "--poll-interval": "value",
    },
    ("bootstrap", "github"): {
        # Common bootstrap flags (cmd/flux/bootstrap.go).
        "-v": "value",
        "--version": "value",
        "--components": "value",
        "--components-extra": "value",
        "--registry": "value",
        "--registry-creds": "value",
        "--image-pull-secret": "value",
        "--branch": "value",
        "--recurse-submodules": "bool",
        "--manifests": "value",
        "--author-name": "value",
        "--author-email": "value",
        "--commit-message-appendix": "value",
        "--watch-all-namespaces": "bool",
        "--network-policy": "bool",
        "--log-level": "value",
        "--cluster-domain": "value",
        "--force": "bool",
        "--token-auth": "bool",
        "--secret-name": "value",
        "--ssh-key-algorithm": "value",
        "--ssh-ecdsa-curve": "value",
        "--ssh-rsa-bits": "value",
        "--ca-file": "value",
        "--private-key-file": "value",
        "--password": "value",
        "--gpg-key-ring": "value",
        "--gpg-passphrase": "value",
        "--gpg-key-id": "value",
        "--toleration-keys": "value",
        "--keep-manifests": "bool",
        # bootstrap github (cmd/flux/bootstrap_github.go).
        "--owner": "value",
        "--repository": "value",
        "--personal": "bool",
        "--private": "bool",
        "--path": "value",
        "--interval": "value",
        "--hostname": "value",
        "--team": "value",
        "--read-write-key": "bool",
        "--reconcile": "bool",
        "--ssh-hostname": "value",
    },
}


class FluxError(Exception):
    pass


def log(line: str) -> None:
    sys.stderr.write(line + "\n")


def record(argv: list[str], stdin_length: int) -> None:
    target = os.environ.get("FAKE_FLUX_LOG")
    if target:
        entry = {"argv": ["flux", *argv], "env": sorted(os.environ), "stdin_length": stdin_length}
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")


def parse(argv: list[str]) -> tuple[tuple[str, ...], dict[str, str]]:
    words: list[str] = []
    flags: dict[str, str] = {}
    index = 0
    command: tuple[str, ...] = ()
    while index < len(argv):
        arg = argv[index]
        index += 1
        if not arg.startswith("-"):
            words.append(arg)
            for known in COMMAND_FLAGS:
                if tuple(words) == known:
                    command = known
            continue
        name, has_value, value = arg.partition("=")
        allowed = {**GLOBAL_FLAGS, **COMMAND_FLAGS.get(command, {})}
        kind = allowed.get(name)
        if kind is None:
            raise FluxError(f"unknown flag: {name}" if name.startswith("--") else f"unknown shorthand flag: {name}")
        if kind == "value" and not has_value:
            if index >= len(argv):
                raise FluxError(f"flag needs an argument: {name}")
            value = argv[index]
            index += 1
        elif kind == "bool" and not has_value:
            value = "true"
        flags[name.lstrip("-")] = value
    if command == () or tuple(words) != command:
        raise FluxError(f'unknown command {" ".join(words)!r} for "flux"')
    return command, flags


def kubectl(flags: dict[str, str], *args: str, stdin: str | None = None, check: bool = True) -> str:
    argv = ["kubectl"]
    if "kubeconfig" in flags:
        argv.append(f"--kubeconfig={flags['kubeconfig']}")
    if "context" in flags:
        argv.append(f"--context={flags['context']}")
    result = subprocess.run([*argv, *args], input=stdin, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise FluxError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "kubectl failed")
    return result.stdout


def server_version(flags: dict[str, str]) -> str:
    document = json.loads(kubectl(flags, "version", "-o", "json"))
    return str(document["serverVersion"]["gitVersion"])


def version_command(flags: dict[str, str]) -> None:
    if flags.get("output", flags.get("o")) == "json":
        print(json.dumps({"flux": VERSION}, indent=2))
    else:
        print(f"flux: {VERSION}")


def check_command(flags: dict[str, str]) -> None:
    if flags.get("pre") != "true":
        raise FluxError("the fake flux implements only 'check --pre'")
    try:
        version = server_version(flags)
    except FluxError as error:
        log("► checking prerequisites")
        raise FluxError(f"Kubernetes API call failed: {error}") from None
    numbers = tuple(int(part) for part in version.lstrip("v").split("-")[0].split(".")[:3])
    if numbers < MIN_KUBERNETES:
        log("► checking prerequisites")
        raise FluxError(f"Kubernetes version {version} does not match >=1.33.0-0")
    golden = (GOLDEN / "check" / "check_pre.golden").read_text()
    sys.stderr.write(golden.replace("{{ .serverVersion }}", version.lstrip("v")))


def main(argv: list[str]) -> int:
    try:
        command, flags = parse(argv)
    except FluxError as error:
        record(argv, 0)
        log(f"✗ {error}")
        return 1
    typed_token = ""
    if command == ("bootstrap", "github") and not os.environ.get("GITHUB_TOKEN"):
        sys.stdout.write("Please enter your GitHub personal access token (PAT): ")
        sys.stdout.flush()
        typed_token = sys.stdin.readline()
    record(argv, len(typed_token))
    try:
        if command == ("version",):
            version_command(flags)
        elif command == ("check",):
            check_command(flags)
        else:
            from tests.fakes.flux_bootstrap import bootstrap_github

            bootstrap_github(flags, os.environ.get("GITHUB_TOKEN") or typed_token.strip())
    except FluxError as error:
        log(f"✗ {error}")
        return 1
    return 0
