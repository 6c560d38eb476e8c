"""Symbolic graph code (PyTensor only: no scikit-learn, no pandas)."""

from .compile import (
    CompiledFunction,
    clear_compile_cache,
    compile_function,
    compile_stats,
    structural_key,
)

__all__ = [
    "CompiledFunction",
    "clear_compile_cache",
    "compile_function",
    "compile_stats",
    "structural_key",
]
