"""Jobs run from the command line: the warm-up (and, later, the YAML runner)."""

from .warmup import (
    WarmupResult,
    register_warmup,
    unregister_warmup,
    warmup,
    warmup_jobs,
)

__all__ = [
    "WarmupResult",
    "register_warmup",
    "unregister_warmup",
    "warmup",
    "warmup_jobs",
]
