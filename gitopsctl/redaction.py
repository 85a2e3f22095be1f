"""One redaction filter for every line gitopsctl prints or raises.

Secret values are registered the moment gitopsctl learns them (read from a prompt, stdin,
a file or the environment). Everything that leaves the process through gitopsctl's own
output passes ``redact`` first, so a value cannot reach a log line, an error, ``--verbose``
output or a traceback even when a tool echoes it back.
"""

from __future__ import annotations

import base64
import re
import threading

MASK = "[REDACTED]"
# Shorter values would mask ordinary words ("a", "ok") across every line; a value that
# short protects nothing anyway.
MIN_LENGTH = 4
# A value shorter than this is masked only where it stands as a token of its own: masked inside
# a longer word, it would tell the reader the secret ("prod" turned "production" into
# "[REDACTED]uction"). Longer values are masked wherever they appear.
WORD_LENGTH = 12


class Redactor:
    def __init__(self) -> None:
        self._values: set[str] = set()
        self._patterns: dict[str, re.Pattern[str]] = {}
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
            for variant in variants:
                if len(variant.strip()) < MIN_LENGTH:
                    continue
                self._values.add(variant)
                if len(variant) < WORD_LENGTH:
                    self._patterns[variant] = re.compile(rf"(?<![A-Za-z0-9]){re.escape(variant)}(?![A-Za-z0-9])")

    def redact(self, text: str) -> str:
        if not self._values or not text:
            return text
        with self._lock:
            ordered = sorted(self._values, key=len, reverse=True)
            patterns = dict(self._patterns)
        for value in ordered:
            if value not in text:
                continue
            pattern = patterns.get(value)
            text = pattern.sub(MASK, text) if pattern else text.replace(value, MASK)
        return text

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._patterns.clear()


REDACTOR = Redactor()
redact = REDACTOR.redact
register_secret = REDACTOR.register
