"""The base of program elements: value semantics, traversal, printing, editing.

The concrete elements live in :mod:`sklearn_pylearn.runtime.program`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..exceptions import ProgramError
from ._objects import is_object_argument, object_name, unrecordable
from ._refs import Ref, is_import_ref

__all__ = ["Element", "Matches"]

Path = tuple[int, ...]
_WIDTH = 88
_INDENT = "    "


def _freeze_arg(value: Any, where: str, objects: dict | None = None) -> Any:
    """Plain data as stored in an element; with ``objects`` (CALL, FILT), an
    object argument is recorded there under its generated name and passed as a
    Ref to it."""
    if value is None or isinstance(value, (bool, int, float, str, Ref)):
        return value
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return tuple(_freeze_arg(v, where, objects) for v in value)
    if objects is not None and is_object_argument(value):
        why = unrecordable(value)
        if why is not None:
            raise TypeError(
                f"{where} got the object {value!r:.60} as an argument, but {why}. "
                "Make it picklable, or put it in the VM context and pass "
                "Ref('name')."
            )
        name = object_name(value)
        objects[name] = value
        return Ref(name)
    raise TypeError(
        f"{where} got an argument of type {type(value).__name__} ({value!r:.60}); "
        "program arguments must be plain data (None, bool, int, float, str, and "
        "tuples of them) or Ref('name') to an object in the VM context. Put "
        "arrays and other objects in the context and pass Ref('name')."
    )


def _arg_data(value: Any) -> Any:
    if isinstance(value, Ref):
        return {"ref": value.name}
    if isinstance(value, tuple):
        return [_arg_data(v) for v in value]
    return value


def _arg_from_data(value: Any) -> Any:
    if isinstance(value, dict):
        return Ref(value["ref"])
    if isinstance(value, list):
        return tuple(_arg_from_data(v) for v in value)
    return value


def _show_ref(ref: str) -> str:
    return ref.replace(":", ".") if is_import_ref(ref) else ref


def _show_arg(value: Any) -> str:
    if isinstance(value, Ref):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(_show_arg(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _check_count(n: Any, where: str) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{where}: n must be an int, got {n!r}.")
    if n < 0:
        raise ValueError(f"{where}: n must be >= 0, got {n!r}.")
    return int(n)


def _as_element(value: Any, where: str) -> Element:
    if not isinstance(value, Element):
        raise TypeError(
            f"{where} expected program elements (CALL, SEQ, ...), got {value!r}. "
            "Wrap a function in CALL(fn)."
        )
    return value


class Element:
    """Base class of program elements: immutable, comparable, printable data.

    Every element offers :meth:`find` (where matching elements are),
    :meth:`at` (the element at a path), :meth:`walk`, :meth:`to_data` and a
    readable ``str()``.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, FILT, REPEAT, SEQ
    >>> prog = REPEAT(3, SEQ([CALL("data.next_batch"), FILT("model.step")]))
    >>> print(prog)
    REPEAT(3, SEQ([CALL(data.next_batch), FILT(model.step)]))
    >>> prog.find(FILT("model.step")).paths
    ((0, 1),)
    >>> prog.at((0, 1))
    FILT('model.step')
    """

    __slots__ = ()
    op: str = ""

    # -- structure ---------------------------------------------------------
    @property
    def children(self) -> tuple[Element, ...]:
        """The child elements, in order."""
        return ()

    def with_children(self, children: Sequence[Element]) -> Element:
        """A copy of this element with other children (same count)."""
        return self

    def _key(self) -> tuple:
        raise NotImplementedError

    # -- value semantics ----------------------------------------------------
    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(
            f"{type(self).__name__} elements are immutable; build a new program "
            "with find(...).replace_with(...)."
        )

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash((self.op, self._key()))

    def __reduce__(self):
        objects = self.objects()
        if objects:
            from .program import rebuild_element

            return (rebuild_element, (self.to_data(), objects))
        return (type(self)._from_data, (self.to_data(),))

    def __copy__(self) -> Element:
        return self

    def __deepcopy__(self, memo: dict) -> Element:
        objects = self.objects()
        if not objects:
            return self
        from .program import rebuild_element

        return rebuild_element(self.to_data(), copy.deepcopy(objects, memo))

    def objects(self) -> dict[str, Any]:
        """The objects this program recorded (owners of bound methods, object
        arguments), by their generated context names.

        Examples
        --------
        >>> from sklearn_pylearn.runtime import CALL
        >>> class Dataset:
        ...     def next(self):
        ...         return 1
        >>> d = Dataset()
        >>> el = CALL(d.next)
        >>> print(el)  # doctest: +ELLIPSIS
        CALL(Dataset#....next)
        >>> list(el.objects().values()) == [d]
        True
        """
        found: dict[str, Any] = {}
        for _, el in self.walk():
            for name, obj in getattr(el, "bound", ()):
                found[name] = obj
        return found

    # -- traversal -------------------------------------------------------------
    def walk(self, path: Path = ()) -> Iterator[tuple[Path, Element]]:
        """Yield ``(path, element)`` for this element and all below, pre-order."""
        yield path, self
        for i, child in enumerate(self.children):
            yield from child.walk(path + (i,))

    def at(self, path: Sequence[int]) -> Element:
        """Return the element at ``path`` (a tuple of child indices)."""
        el: Element = self
        for depth, i in enumerate(path):
            kids = el.children
            if not 0 <= i < len(kids):
                raise ProgramError(
                    f"path {tuple(path)!r} leaves the program at depth {depth}: "
                    f"{el.op} has {len(kids)} children, index {i} was asked for."
                )
            el = kids[i]
        return el

    def find(self, what: Element | str | Callable[[Element], bool]) -> Matches:
        """Find elements: equal to an element, calling a function, or passing a test.

        Parameters
        ----------
        what : Element, str or callable
            An element (matched by equality), a function reference string
            (matches every CALL / FILT of that function) or a predicate
            ``element -> bool``.

        Returns
        -------
        matches : Matches
            The paths found; ``matches.replace_with(new)`` builds a new program.
        """
        test = _matcher(what)
        paths = tuple(p for p, el in self.walk() if test(el))
        return Matches(self, paths, what)

    # -- data --------------------------------------------------------------------
    def to_data(self) -> dict:
        """Return the element as JSON-compatible plain data."""
        raise NotImplementedError

    @classmethod
    def _from_data(cls, data: dict) -> Element:
        raise NotImplementedError

    # -- printing ---------------------------------------------------------------
    def _line(self) -> str:
        raise NotImplementedError

    def _block(self, indent: int) -> list[str]:
        return [self._line()]

    def _lines(self, indent: int = 0) -> list[str]:
        line = self._line()
        if len(line) + indent * len(_INDENT) <= _WIDTH and _depth(self) <= 2:
            return [line]
        return self._block(indent)

    def __str__(self) -> str:
        return "\n".join(self._lines())


def _depth(el: Element) -> int:
    kids = el.children
    return 1 + max(_depth(k) for k in kids) if kids else 0


def _indented(el: Element, indent: int, suffix: str = ",") -> list[str]:
    lines = el._lines(indent + 1)
    lines[-1] += suffix
    return [_INDENT + ln for ln in lines]


def _matcher(what: Any) -> Callable[[Element], bool]:
    if isinstance(what, Element):
        return lambda el: el == what
    if isinstance(what, str):
        return lambda el: el.op in ("CALL", "FILT") and el.fn == what
    if callable(what):
        return what
    raise TypeError(
        "find expects an element, a function reference string or a predicate, "
        f"got {what!r}."
    )


class Matches(Sequence):
    """The result of :meth:`Element.find`: paths into a program, and a way to edit.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, FILT, REPEAT, SEQ
    >>> prog = REPEAT(2, SEQ([CALL("data.next"), FILT("model.update")]))
    >>> new = prog.find("model.update").replace_with(
    ...     lambda old: SEQ([old, CALL("monitor.record")]))
    >>> print(new)
    REPEAT(2,
        SEQ([CALL(data.next), SEQ([FILT(model.update), CALL(monitor.record)])]),
    )
    >>> print(prog)  # unchanged
    REPEAT(2, SEQ([CALL(data.next), FILT(model.update)]))
    """

    def __init__(self, root: Element, paths: tuple[Path, ...], what: Any = None):
        self.root = root
        self.paths = paths
        self._what = what

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i):  # type: ignore[override]
        return self.paths[i]

    @property
    def elements(self) -> tuple[Element, ...]:
        """The matched elements, in the order of :attr:`paths`."""
        return tuple(self.root.at(p) for p in self.paths)

    def __repr__(self) -> str:
        return f"Matches(paths={self.paths!r})"

    def replace_with(self, new: Element | Callable[[Element], Element]) -> Element:
        """Return a NEW program with every match replaced; the original is unchanged.

        Parameters
        ----------
        new : Element or callable
            The replacement, or a function ``old_element -> new_element`` (e.g.
            wrapping an update in ``SEQ([old, CALL(hook)])``).
        """
        if not self.paths:
            raise ProgramError(
                f"find({self._what!r}) matched no element, so there is nothing to "
                "replace. Print the program to see its elements and references."
            )
        make = new if callable(new) and not isinstance(new, Element) else None
        if make is None:
            _as_element(new, "replace_with")
        targets = set(self.paths)
        prefixes = {p[:i] for p in self.paths for i in range(len(p))}

        def rebuild(el: Element, path: Path) -> Element:
            if path in prefixes:
                kids = [rebuild(c, path + (i,)) for i, c in enumerate(el.children)]
                el = el.with_children(kids)
            if path in targets:
                el = make(el) if make is not None else new  # type: ignore[assignment]
                _as_element(el, "replace_with")
            return el

        return rebuild(self.root, ())
