"""Start-up, paired against its floor (the seam issue's targets):

- `gitopsctl --help` against `python -c "import click"`: target <= 1.3x;
- `gitopsctl seal generic … --cert FILE --stdout` against the floor, the same interpreter importing
  only what sealing needs (click, x509, OAEP padding, AES-GCM): target <= 1.15x;
- and the same seal against the pipeline it replaces, `kubectl create secret generic --dry-run=client
  -o yaml | kubeseal --cert FILE` (reported, no target).

Run it with the interpreter of a non-editable install (make bench builds one): an editable
install adds an import hook that costs ~10 ms at every start.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paired import paired_ratio

ROOT = Path(__file__).resolve().parents[1]
CERT = ROOT.parent / "shared" / "testdata" / "sealed-secrets" / "controller-cert.pem"
KUBESEAL = ROOT / ".tools" / "bin" / "kubeseal"
python = sys.executable
FLOOR = (
    "import click; from cryptography import x509; "
    "from cryptography.hazmat.primitives.asymmetric import padding; "
    "from cryptography.hazmat.primitives.ciphers.aead import AESGCM"
)
# The installed console script, as an operator runs it (python -m adds runpy to every start).
GITOPSCTL = str(Path(python).with_name("gitopsctl"))
SEAL = [GITOPSCTL, "seal", "generic", "s1", "-n", "apps", "--from-literal=token=s3cr3t-value"]
SEAL += ["--cert", str(CERT), "--stdout"]

workdir = Path(tempfile.mkdtemp())
os.chdir(workdir)  # outside any repository: only --cert is used
env = {**os.environ, "KUBECONFIG": str(workdir / "none")}

ratio, ours, floor = paired_ratio([GITOPSCTL, "--help"], [python, "-c", "import click"], env=env)
print(f"gitopsctl --help      {ours * 1000:6.1f} ms vs import click {floor * 1000:6.1f} ms: {ratio:.2f}x (<= 1.3x)")
ratio, ours, floor = paired_ratio(SEAL, [python, "-c", FLOOR], env=env)
print(f"seal generic --cert   {ours * 1000:6.1f} ms vs the floor    {floor * 1000:6.1f} ms: {ratio:.2f}x (<= 1.15x)")
kubectl = shutil.which("kubectl")
if kubectl and KUBESEAL.exists():
    pipeline = [
        kubectl, "create", "secret", "generic", "s1", "-n", "apps", "--from-literal=token=s3cr3t-value",
        "--dry-run=client", "-o", "yaml", "|", str(KUBESEAL), "--cert", str(CERT), "-o", "yaml",
    ]  # fmt: skip
    ratio, ours, theirs = paired_ratio(SEAL, pipeline, env=env, baseline_is_shell=True)
    print(f"seal generic --cert   {ours * 1000:6.1f} ms vs kubectl | kubeseal {theirs * 1000:6.1f} ms: {ratio:.2f}x")
