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


BEGIN, END = "<!-- measured: begin -->", "<!-- measured: end -->"


def replace_section(path, heading, body):
    """Write ``body`` under ``## heading`` in a markdown file; keep other sections.

    A section whose measured part sits between ``BEGIN`` and ``END`` comment lines
    keeps the hand-written text around them: only that part is replaced. A new
    section (or one without the markers) is written whole, with the markers.
    """
    from pathlib import Path

    path = Path(path)
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    marker = f"## {heading}\n"
    measured = f"{BEGIN}\n\n{body.strip()}\n\n{END}\n"
    block = f"{marker}\n{measured}\n"
    if marker in text:
        start = text.index(marker)
        nxt = text.find("\n## ", start + len(marker))
        end = len(text) if nxt < 0 else nxt + 1
        section = text[start:end]
        if BEGIN in section and END in section:
            i, j = section.index(BEGIN), section.index(END) + len(END) + 1
            block = section[:i] + measured + section[j:]
        text = text[:start] + block + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)
