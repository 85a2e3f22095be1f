"""The sync manifests `flux bootstrap` writes (flux-system GitRepository and Kustomization)."""

from __future__ import annotations


def gotk_sync(url: str, branch: str, path: str, *, interval: str = "1m0s", secret: str | None = "flux-system") -> str:
    secret_ref = f"  secretRef:\n    name: {secret}\n" if secret else ""
    return f"""apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: {interval}
  ref:
    branch: {branch}
{secret_ref}  url: {url}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: {path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
