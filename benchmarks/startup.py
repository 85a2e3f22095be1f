"""gitopsctl --help and --version start-up against the bare interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_seconds

python = sys.executable
bare = median_seconds([python, "-c", "pass"], runs=30)
help_time = median_seconds([python, "-m", "gitopsctl", "--help"], runs=30)
version_time = median_seconds([python, "-m", "gitopsctl", "--version"], runs=30)
print(f"python -c pass        {bare * 1000:7.1f} ms")
print(f"gitopsctl --help      {help_time * 1000:7.1f} ms  ({help_time / bare:.1f}x; target <= 4x)")
print(f"gitopsctl --version   {version_time * 1000:7.1f} ms  ({version_time / bare:.1f}x)")
