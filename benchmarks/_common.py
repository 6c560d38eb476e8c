"""Shared timing helpers for the benchmark scripts (medians, ratios, tables)."""

import statistics
import time


def median_time(fn, repeat=7, warmup=1):
    """Median wall time of ``fn()`` over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def markdown_table(header, rows):
    """Render rows (lists of str) under ``header`` as a markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def replace_section(path, heading, body):
    """Write ``body`` under ``## heading`` in a markdown file; keep other sections."""
    from pathlib import Path

    path = Path(path)
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    marker = f"## {heading}\n"
    block = f"{marker}\n{body.strip()}\n\n"
    if marker in text:
        start = text.index(marker)
        nxt = text.find("\n## ", start + len(marker))
        end = len(text) if nxt < 0 else nxt + 1
        text = text[:start] + block + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)
