"""Program optimisations from the seed: batched reads and merged calls.

Datasets (:mod:`sklearn_pylearn.data`) mark their reads ``@batched``; merging a
SEQ of compiled calls into one compiled call waits for a learner that exposes
``merge_with`` on its steps.

- **Batched reads.** ``BUFFER_REPEAT(n, CALL("src.read"))`` becomes
  ``CALL("src.read_many", n)`` when ``src.read`` is marked with
  ``@batched("read_many")``: one call instead of ``n`` steps. The batched method
  must return a list equal to ``[src.read() for _ in range(n)]`` and leave the
  source in the same state.
- **Merged calls.** In a SEQ, a run of calls to context objects that can merge
  (``obj.merge_with(other, pipe=...)`` returns a callable, or None when it
  cannot) becomes one CALL to the merged object, added to the context under the
  joined name ``"a+b"``. ``pipe=True`` when ``other`` is a FILT (it gets the
  result of the first); the merged object must return what the sequence would.
  This is where a compiler merges its compiled functions into one.

Both change how many steps the program takes (and so where checkpoints fall),
never its result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._refs import is_import_ref, resolve
from .program import BUFFER_REPEAT, CALL, FILT, SEQ, Element

__all__ = ["batched", "optimize"]


def batched(method_name: str) -> Callable[[Callable], Callable]:
    """Mark a read method as having a batched twin ``method_name(n)``.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import BUFFER_REPEAT, CALL, batched, optimize
    >>> class Counter:
    ...     def __init__(self):
    ...         self.i = 0
    ...     @batched("read_many")
    ...     def read(self):
    ...         self.i += 1
    ...         return self.i
    ...     def read_many(self, n):
    ...         out = list(range(self.i + 1, self.i + n + 1))
    ...         self.i += n
    ...         return out
    >>> prog, ctx = optimize(BUFFER_REPEAT(100, CALL("src.read")), {"src": Counter()})
    >>> print(prog)
    CALL(src.read_many, 100)
    """
    if not isinstance(method_name, str) or not method_name.isidentifier():
        raise TypeError(
            f"batched: expected the name of the batched method, got {method_name!r}; "
            "write @batched('read_many')."
        )

    def mark(fn: Callable) -> Callable:
        fn.__runtime_batched__ = method_name  # type: ignore[attr-defined]
        return fn

    return mark


def optimize(
    program: Element,
    context: Mapping[str, Any] | None = None,
    *,
    batch_reads: bool = True,
    merge_calls: bool = True,
) -> tuple[Element, dict[str, Any]]:
    """Return an optimised copy of ``program`` and the context it needs.

    Parameters
    ----------
    program : Element
        The program; it is not changed.
    context : mapping, optional
        The VM context (the objects the program names); it is not changed.
    batch_reads, merge_calls : bool
        Which optimisations to apply.

    Returns
    -------
    program : Element
    context : dict
        A copy of ``context`` plus any merged objects.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.runtime import FILT, SEQ, optimize
    >>> class Affine:  # x -> x @ W + b; two in a row merge into one
    ...     def __init__(self, W, b):
    ...         self.W, self.b = W, b
    ...     def __call__(self, x):
    ...         return x @ self.W + self.b
    ...     def merge_with(self, other, *, pipe):
    ...         return Affine(self.W @ other.W, self.b @ other.W + other.b)
    >>> maps = {"f": Affine(np.eye(2), np.ones(2)), "g": Affine(np.eye(2), 0)}
    >>> prog, ctx = optimize(SEQ([FILT("f"), FILT("g")]), maps)
    >>> print(prog)
    FILT(f+g)
    >>> sorted(ctx)
    ['f', 'f+g', 'g']
    """
    ctx = dict(context or {})
    if batch_reads:
        found = program.find(lambda el: _batch_ref(el, ctx) is not None)
        if found:
            program = found.replace_with(
                lambda el: CALL(_batch_ref(el, ctx), el.n)  # type: ignore[arg-type]
            )
    if merge_calls:
        program = _merge(program, ctx)
    return program, ctx


def _batch_ref(el: Element, ctx: Mapping[str, Any]) -> str | None:
    if not isinstance(el, BUFFER_REPEAT) or not isinstance(el.body, CALL):
        return None
    call = el.body
    if call.args or call.kwargs:
        return None
    try:
        fn = resolve(call.fn, ctx, repr(call))
    except Exception:  # noqa: BLE001 - an unresolvable call is simply not optimised
        return None
    name = getattr(fn, "__runtime_batched__", None)
    if name is None:
        return None
    if is_import_ref(call.fn):
        module, _, qualname = call.fn.partition(":")
        head = qualname.rpartition(".")[0]
        return f"{module}:{head + '.' if head else ''}{name}"
    head, dot, _ = call.fn.rpartition(".")
    return f"{head}.{name}" if dot else f"{call.fn}.{name}"


def _merge_target(el: Element, ctx: Mapping[str, Any]) -> Any:
    if not isinstance(el, (CALL, FILT)) or is_import_ref(el.fn) or "." in el.fn:
        return None
    obj = ctx.get(el.fn)
    return obj if callable(getattr(obj, "merge_with", None)) else None


def _merge(el: Element, ctx: dict[str, Any]) -> Element:
    kids = el.children
    if kids:
        new = [_merge(k, ctx) for k in kids]
        if any(a is not b for a, b in zip(new, kids)):
            el = el.with_children(new)
    if not isinstance(el, SEQ):
        return el
    out = _merge_runs(list(el.elements), ctx)
    if len(out) == len(el.elements):
        return el
    return out[0] if len(out) == 1 else SEQ(out)


def _merge_runs(items: list[Element], ctx: dict[str, Any]) -> list[Element]:
    out: list[Element] = []
    run: list[Element] = []
    merged: Any = None
    for item in items:
        target = _merge_target(item, ctx)
        plain = not (getattr(item, "args", ()) or getattr(item, "kwargs", ()))
        if run and target is not None and plain:
            combined = merged.merge_with(target, pipe=item.op == "FILT")
            if combined is not None:
                run.append(item)
                merged = combined
                continue
        out.extend(_flush(run, merged, ctx))
        run, merged = ([item], target) if target is not None else ([], None)
        if target is None:
            out.append(item)
    out.extend(_flush(run, merged, ctx))
    return out


def _flush(run: list[Element], merged: Any, ctx: dict[str, Any]) -> list[Element]:
    if len(run) < 2:
        return run
    base = "+".join(el.fn for el in run)  # type: ignore[attr-defined]
    name, k = base, 1
    while name in ctx and ctx[name] is not merged:
        k += 1
        name = f"{base}#{k}"
    ctx[name] = merged
    first = run[0]
    return [type(first)(name, *first.args, **dict(first.kwargs))]  # type: ignore[attr-defined]
