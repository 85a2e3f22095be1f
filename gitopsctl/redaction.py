"""One redaction filter for every line gitopsctl prints or raises.

Secret values are registered the moment gitopsctl learns them (read from a prompt, stdin,
a file or the environment). Everything that leaves the process through gitopsctl's own
output passes ``redact`` first, so a value cannot reach a log line, an error, ``--verbose``
output or a traceback even when a tool echoes it back.
"""

from __future__ import annotations

import base64
import threading

MASK = "[REDACTED]"
# Shorter values would mask ordinary words ("a", "ok") across every line; a value that
# short protects nothing anyway.
MIN_LENGTH = 4


class Redactor:
    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def register(self, value: str | bytes) -> None:
        """Mask ``value`` and the encodings it commonly travels in (base64, JSON-escaped)."""
        if isinstance(value, bytes):
            raw = value
            text = value.decode("utf-8", errors="replace")
        else:
            raw = value.encode()
            text = value
        variants = {text, base64.b64encode(raw).decode()}
        variants.update(line for line in text.splitlines() if len(line.strip()) >= 8)
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        variants.add(escaped)
        with self._lock:
            self._values.update(v for v in variants if len(v.strip()) >= MIN_LENGTH)

    def redact(self, text: str) -> str:
        if not self._values or not text:
            return text
        with self._lock:
            ordered = sorted(self._values, key=len, reverse=True)
        for value in ordered:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


REDACTOR = Redactor()
redact = REDACTOR.redact
register_secret = REDACTOR.register
