"""Sealed Secrets, natively: the upstream hybrid format, byte-compatible with kubeseal's output."""
