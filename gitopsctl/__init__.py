"""gitopsctl: bootstrap, seal, verify and roll back a Flux GitOps cluster."""

__version__ = "0.1.0"
