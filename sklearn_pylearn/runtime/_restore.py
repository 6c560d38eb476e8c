"""Restoring a virtual machine from a checkpoint's state (what ``VirtualMachine.
from_state`` and ``VirtualMachine.resume`` do; the VM module only steps programs).

The state is read without running code. Restoring imports only trusted names
(see :mod:`._refs`): the saved program's functions when no program is given,
and the factories of context objects and hooks that are not given.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import ProgramError
from ._refs import check_trusted, trusted_names
from ._state import build_object, object_recipe, set_object_state
from .checkpoint import load_latest, read_checkpoint
from .program import Element, element_from_data

__all__ = ["read_resumable", "restore_parts", "with_program_objects"]


def with_program_objects(
    program: Element, context: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``context`` plus the objects ``program`` recorded (bound methods' owners).

    Raises
    ------
    ProgramError
        When the context holds another object under a recorded object's name.
    """
    merged = dict(program.objects())
    for name, obj in (context or {}).items():
        if name in merged and merged[name] is not obj:
            raise ProgramError(
                f"the context's {name!r} is not the object the program recorded "
                f"under that name ({type(merged[name]).__name__}); rename the "
                "context entry."
            )
        merged[name] = obj
    return merged


def read_resumable(
    directory: str | os.PathLike, start_if_missing: bool, program: Element | None
) -> tuple[Path, dict] | None:
    """``(entry, state)`` of the newest good checkpoint of ``directory`` (or of
    one entry), or None when ``start_if_missing`` and there is none."""
    directory = Path(directory)
    if (directory / "manifest.json").exists():
        return directory, read_checkpoint(directory)
    if start_if_missing and not any(directory.glob("ckpt-*")):
        if program is None:
            raise TypeError(
                "VirtualMachine.resume(start_if_missing=True) needs program= "
                "(and context=, hooks=) to start from when there is no "
                "checkpoint."
            )
        return None
    return load_latest(directory)


def restore_parts(
    state: Mapping[str, Any],
    program: Element | None,
    context: Mapping[str, Any] | None,
    hooks: Sequence[Any] | None,
    trusted: Iterable[Any],
) -> tuple[Element, dict, list]:
    """The program, context and hooks of a saved state (see ``from_state``)."""
    allowed = trusted_names(trusted)
    program = _restore_program(state["program"], program, allowed)
    ctx = with_program_objects(program, context)
    ctx = _restore_context(state["context"], ctx, trusted)
    hks = _restore_hooks(state["hooks"], hooks, trusted)
    return program, ctx, hks


def _program_refs(program: Element) -> list[str]:
    refs = []
    for _, el in program.walk():
        for attr in ("fn", "until", "on"):
            ref = getattr(el, attr, None)
            if isinstance(ref, str):
                refs.append(ref)
    return refs


def _restore_program(
    data: Any, program: Element | None, allowed: frozenset[str]
) -> Element:
    saved = element_from_data(data)
    if program is None:
        for ref in _program_refs(saved):
            check_trusted(ref, allowed, "the saved program")
        return saved
    if program != saved:
        raise ProgramError(
            "the checkpoint was written by a different program. Saved:\n"
            f"{saved}\nGiven:\n{program}\nPass the same program, or program=None "
            "to run the saved one."
        )
    return program


def _restore_value(current: Any, saved: Any) -> Any:
    """Restore into the given object where it is the same kind, else replace it."""
    if isinstance(current, np.random.Generator) and isinstance(
        saved, np.random.Generator
    ):
        current.bit_generator.state = saved.bit_generator.state
        return current
    if isinstance(current, np.random.RandomState) and isinstance(
        saved, np.random.RandomState
    ):
        current.set_state(saved.get_state())
        return current
    if (
        isinstance(current, np.ndarray)
        and isinstance(saved, np.ndarray)
        and current.shape == saved.shape
        and current.dtype == saved.dtype
        and current.flags.writeable
    ):
        np.copyto(current, saved)
        return current
    return saved


def _restore_context(
    records: Mapping[str, Any], ctx: dict, trusted: Iterable[Any]
) -> dict:
    for name, rec in records.items():
        where = f"context[{name!r}]"
        if rec["kind"] == "value":
            ctx[name] = _restore_value(ctx.get(name), rec["value"])
        elif name in ctx:
            _check_same_class(ctx[name], rec["recipe"], where)
            set_object_state(ctx[name], rec["state"], where)
        else:
            ctx[name] = build_object(rec["recipe"], rec["state"], trusted, where)
    return ctx


def _check_same_class(obj: Any, recipe: Mapping[str, Any], where: str) -> None:
    if recipe.get("kwargs") is not None:
        return
    mine = object_recipe(obj, where)["factory"]
    if mine != recipe["factory"]:
        raise ProgramError(
            f"{where} is a {mine!r} but the checkpoint holds a {recipe['factory']!r}; "
            "pass an object of the saved class, or leave it out to rebuild it."
        )


def _restore_hooks(
    records: Sequence[Mapping[str, Any]],
    hooks: Sequence[Any] | None,
    trusted: Iterable[Any],
) -> list[Any]:
    if hooks is None:
        return [
            build_object(r["recipe"], r["state"], trusted, f"hooks[{i}]")
            for i, r in enumerate(records)
        ]
    by_class: dict[str, list[Mapping[str, Any]]] = {}
    for rec in records:
        by_class.setdefault(rec["recipe"]["factory"], []).append(rec)
    hooks = list(hooks)
    for i, hook in enumerate(hooks):
        factory = object_recipe(hook, f"hooks[{i}]")["factory"]
        saved = by_class.get(factory)
        if saved:
            set_object_state(hook, saved.pop(0)["state"], f"hooks[{i}]")
    return hooks
