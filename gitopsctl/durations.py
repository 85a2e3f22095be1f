"""Go-style durations (90s, 5m, 1h30m), the form Flux and kubectl use."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    text = text.strip()
    if not text:
        raise ValueError("empty duration")
    position = 0
    seconds = 0.0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _UNIT[match.group(2)]
        position = match.end()
    if position != len(text):
        raise ValueError(f"'{text}' is not a duration; use a form like 90s, 5m or 1h30m")
    return seconds


def format_duration(seconds: float) -> str:
    whole = int(seconds)
    if whole % 3600 == 0 and whole >= 3600:
        return f"{whole // 3600}h"
    if whole % 60 == 0 and whole >= 60:
        return f"{whole // 60}m"
    return f"{seconds:g}s"
