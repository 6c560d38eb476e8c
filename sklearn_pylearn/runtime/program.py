"""Program elements: the control-flow language that training programs are written in.

A program is a tree of immutable elements (seed ``plugin_JB``)::

    CALL(fn, *args, **kwargs)      call a function; its result becomes the last result
    FILT(fn, *args, **kwargs)      call fn(last_result, *args, **kwargs)
    SEQ([a, b, ...])               run elements in order
    REPEAT(n, body)                run body n times
    BUFFER_REPEAT(n, body)         run body n times; the result is the list of results
    LOOP(body, until=fn)           run body until fn() is true or a BREAK runs
    SWITCH(cases, on=fn)           run the case chosen by fn() (or by the last result)
    WEAVE(a, b, ...)               interleave programs one step at a time
    BREAK()                        leave the innermost LOOP / REPEAT / BUFFER_REPEAT
    EVENT(name, **info)            tell the hooks (``on_<name>(vm, ...)``)

Functions are named, never held: ``"data.next_batch"`` is a method of the context
object ``data``; ``"package.module:function"`` is an importable function (see
:mod:`._refs`). A bound method (``CALL(dataset.next)``) or an object argument
(``CALL(cd1_update, layer=layer1)``) is recorded under a generated context name
(``"Dataset#1"``, see :meth:`Element.objects`), which the program prints and the
VM adds to its context. So a program is plain data: it prints as code, compares
by value, pickles (with its recorded objects), and round-trips through JSON
(:meth:`Element.to_data`, names only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..exceptions import ProgramError
from ._element import (
    _INDENT,
    Element,
    Matches,
    _arg_data,
    _arg_from_data,
    _as_element,
    _check_count,
    _freeze_arg,
    _indented,
    _show_arg,
    _show_ref,
)
from ._objects import adopt
from ._refs import Ref, callable_ref, function_ref, is_import_ref

__all__ = [
    "BREAK",
    "BUFFER_REPEAT",
    "CALL",
    "EVENT",
    "FILT",
    "LOOP",
    "REPEAT",
    "SEQ",
    "SWITCH",
    "WEAVE",
    "Element",
    "Matches",
    "count_steps",
    "element_from_data",
    "rebuild_element",
]


def _body(body: Sequence[Any], where: str) -> Element:
    if not body:
        raise TypeError(f"{where} needs a body element, e.g. {where}(CALL(fn)).")
    if len(body) == 1:
        return _as_element(body[0], where)
    return SEQ(list(body))


_RESERVED_EVENTS = frozenset(
    {"program_start", "program_end", "step", "checkpoint", "interrupt"}
)


class _Call(Element):
    __slots__ = ("fn", "args", "kwargs", "bound")

    def __init__(self, fn: Any, /, *args: Any, **kwargs: Any) -> None:
        where = type(self).__name__
        objects: dict[str, Any] = {}
        object.__setattr__(self, "fn", callable_ref(fn, where, objects))
        object.__setattr__(self, "args", _freeze_arg(args, where, objects))
        frozen = tuple(
            sorted((k, _freeze_arg(v, where, objects)) for k, v in kwargs.items())
        )
        object.__setattr__(self, "kwargs", frozen)
        object.__setattr__(self, "bound", tuple(sorted(objects.items())))

    def _names(self) -> set[str]:
        """The context names this call uses (for re-attaching recorded objects)."""
        names = set() if is_import_ref(self.fn) else {self.fn.split(".")[0]}
        stack = [*self.args, *(v for _, v in self.kwargs)]
        while stack:
            value = stack.pop()
            if isinstance(value, Ref):
                names.add(value.name.split(".")[0])
            elif isinstance(value, tuple):
                stack.extend(value)
        return names

    def _key(self) -> tuple:
        return (self.fn, self.args, self.kwargs)

    def to_data(self) -> dict:
        data: dict[str, Any] = {"op": self.op, "fn": self.fn}
        if self.args:
            data["args"] = _arg_data(self.args)
        if self.kwargs:
            data["kwargs"] = {k: _arg_data(v) for k, v in self.kwargs}
        return data

    @classmethod
    def _from_data(cls, data: dict) -> Element:
        args = _arg_from_data(data.get("args", []))
        kwargs = {k: _arg_from_data(v) for k, v in data.get("kwargs", {}).items()}
        return cls(data["fn"], *args, **kwargs)

    def _parts(self, show: Callable[[Any], str]) -> list[str]:
        return [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs]

    def _line(self) -> str:
        return f"{self.op}({', '.join([_show_ref(self.fn), *self._parts(_show_arg)])})"

    def __repr__(self) -> str:
        return f"{self.op}({', '.join([repr(self.fn), *self._parts(repr)])})"


class CALL(_Call):
    """Call a function; its return value becomes the last result.

    Parameters
    ----------
    fn : str or callable
        ``"obj.method"`` (a method of the context object ``obj``), ``"obj"`` (the
        context object itself, called), ``"package.module:name"``, an
        importable function, or a bound method of a picklable object (recorded
        under a generated name, see :meth:`Element.objects`). Lambdas, closures
        and partials are refused: a program must stay printable, picklable and
        reloadable.
    *args, **kwargs
        Plain data (None, bool, int, float, str, tuples), :class:`Ref`, or
        picklable objects (recorded like a bound method's, passed as a Ref).

    Examples
    --------
    >>> import math
    >>> from sklearn_pylearn.runtime import CALL, VirtualMachine
    >>> CALL(math.sqrt, 16.0)
    CALL('math:sqrt', 16.0)
    >>> VirtualMachine(CALL(math.sqrt, 16.0)).run()
    4.0
    """

    __slots__ = ()
    op = "CALL"


class FILT(_Call):
    """Call ``fn(last_result, *args, **kwargs)``; its return value becomes the last.

    Examples
    --------
    >>> import math
    >>> from sklearn_pylearn.runtime import CALL, FILT, SEQ, VirtualMachine
    >>> VirtualMachine(SEQ([CALL(math.sqrt, 16.0), FILT(math.pow, 3)])).run()
    64.0
    """

    __slots__ = ()
    op = "FILT"


class SEQ(Element):
    """Run elements in order; the last result is that of the last element.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, SEQ
    >>> print(SEQ([CALL("a.f"), CALL("b.g")]))
    SEQ([CALL(a.f), CALL(b.g)])
    """

    __slots__ = ("elements",)
    op = "SEQ"

    def __init__(self, *elements: Any) -> None:
        if len(elements) == 1 and isinstance(elements[0], (list, tuple)):
            elements = tuple(elements[0])
        items = tuple(_as_element(e, "SEQ") for e in elements)
        object.__setattr__(self, "elements", items)

    @property
    def children(self) -> tuple[Element, ...]:
        return self.elements

    def with_children(self, children: Sequence[Element]) -> Element:
        return SEQ(list(children))

    def _key(self) -> tuple:
        return self.elements

    def to_data(self) -> dict:
        return {"op": "SEQ", "elements": [e.to_data() for e in self.elements]}

    @classmethod
    def _from_data(cls, data: dict) -> Element:
        return cls([element_from_data(e) for e in data["elements"]])

    def _line(self) -> str:
        return f"SEQ([{', '.join(e._line() for e in self.elements)}])"

    def _block(self, indent: int) -> list[str]:
        lines = ["SEQ(["]
        for e in self.elements:
            lines += _indented(e, indent)
        return lines + ["])"]

    def __repr__(self) -> str:
        return f"SEQ({list(self.elements)!r})"


class _Repeat(Element):
    __slots__ = ("n", "body")

    def __init__(self, n: int, *body: Any) -> None:
        where = type(self).__name__
        object.__setattr__(self, "n", _check_count(n, where))
        object.__setattr__(self, "body", _body(body, where))

    @property
    def children(self) -> tuple[Element, ...]:
        return (self.body,)

    def with_children(self, children: Sequence[Element]) -> Element:
        return type(self)(self.n, *children)

    def _key(self) -> tuple:
        return (self.n, self.body)

    def to_data(self) -> dict:
        return {"op": self.op, "n": self.n, "body": self.body.to_data()}

    @classmethod
    def _from_data(cls, data: dict) -> Element:
        return cls(data["n"], element_from_data(data["body"]))

    def _line(self) -> str:
        return f"{self.op}({self.n}, {self.body._line()})"

    def _block(self, indent: int) -> list[str]:
        return [f"{self.op}({self.n},", *_indented(self.body, indent), ")"]

    def __repr__(self) -> str:
        return f"{self.op}({self.n}, {self.body!r})"


class REPEAT(_Repeat):
    """Run the body ``n`` times (several body elements are wrapped in a SEQ).

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, REPEAT, count_steps
    >>> count_steps(REPEAT(4, CALL("a.f"), CALL("a.g")))
    8
    """

    __slots__ = ()
    op = "REPEAT"


class BUFFER_REPEAT(_Repeat):
    """Run the body ``n`` times; the result is the list of the ``n`` results.

    When the body is ``CALL("src.read")`` and ``src.read`` is marked with
    :func:`~sklearn_pylearn.runtime.batched`, :func:`~sklearn_pylearn.runtime.optimize`
    turns the element into one batched read.

    Examples
    --------
    >>> import math
    >>> from sklearn_pylearn.runtime import BUFFER_REPEAT, CALL, VirtualMachine
    >>> VirtualMachine(BUFFER_REPEAT(3, CALL(math.sqrt, 4.0))).run()
    [2.0, 2.0, 2.0]
    """

    __slots__ = ()
    op = "BUFFER_REPEAT"


def _has_leaf(el: Element) -> bool:
    return any(isinstance(e, (CALL, FILT)) for _, e in el.walk())


class LOOP(Element):
    """Run the body again and again, until ``until()`` is true or a BREAK runs.

    Parameters
    ----------
    *body : Element
        The body (several elements are wrapped in a SEQ). It must contain a CALL
        or FILT, so that every turn is at least one VM step.
    until : str, callable or None
        Function reference called with no arguments after each turn; the loop
        ends when it returns a true value. None: loop until BREAK or ``vm.stop()``.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, LOOP
    >>> print(LOOP(CALL("model.step"), until="model.converged"))
    LOOP(CALL(model.step), until=model.converged)
    """

    __slots__ = ("body", "until")
    op = "LOOP"

    def __init__(self, *body: Any, until: Any = None) -> None:
        el = _body(body, "LOOP")
        if not _has_leaf(el):
            raise ProgramError(
                f"LOOP body {el!r} contains no CALL or FILT, so the loop would spin "
                "without ever returning control. Add the step it should repeat."
            )
        object.__setattr__(self, "body", el)
        ref = None if until is None else function_ref(until, "LOOP(until=...)")
        object.__setattr__(self, "until", ref)

    @property
    def children(self) -> tuple[Element, ...]:
        return (self.body,)

    def with_children(self, children: Sequence[Element]) -> Element:
        return LOOP(*children, until=self.until)

    def _key(self) -> tuple:
        return (self.body, self.until)

    def to_data(self) -> dict:
        return {"op": "LOOP", "body": self.body.to_data(), "until": self.until}

    @classmethod
    def _from_data(cls, data: dict) -> Element:
        return cls(element_from_data(data["body"]), until=data["until"])

    def _tail(self) -> str:
        return "" if self.until is None else f"until={_show_ref(self.until)}"

    def _line(self) -> str:
        tail = self._tail()
        return f"LOOP({self.body._line()}{', ' + tail if tail else ''})"

    def _block(self, indent: int) -> list[str]:
        lines = ["LOOP(", *_indented(self.body, indent)]
        if self.until is not None:
            lines.append(_INDENT + self._tail() + ",")
        return lines + [")"]

    def __repr__(self) -> str:
        return f"LOOP({self.body!r}, until={self.until!r})"


_CASE_TYPES = (type(None), bool, int, float, str)


class SWITCH(Element):
    """Run the case whose key equals ``on()`` (or the last result when on is None).

    Parameters
    ----------
    cases : mapping of key to Element
        Keys are None, bool, int, float or str.
    on : str, callable or None
        Function reference called with no arguments to get the key.
    default : Element or None
        Runs when no key matches; with no default nothing runs.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import BREAK, CALL, LOOP, SWITCH
    >>> prog = LOOP(CALL("m.step"), SWITCH({True: BREAK()}, on="m.done"))
    >>> print(prog)
    LOOP(
        SEQ([CALL(m.step), SWITCH(on=m.done, cases={True: BREAK()})]),
    )
    """

    __slots__ = ("cases", "on", "default")
    op = "SWITCH"

    def __init__(
        self, cases: Mapping[Any, Element], *, on: Any = None, default: Any = None
    ) -> None:
        if not isinstance(cases, Mapping):
            raise TypeError(
                f"SWITCH: cases must be a mapping key -> element, got {cases!r}."
            )
        pairs = []
        for key, el in cases.items():
            if not isinstance(key, _CASE_TYPES):
                raise TypeError(
                    f"SWITCH: case keys must be None, bool, int, float or str, got "
                    f"{key!r}."
                )
            pairs.append((key, _as_element(el, "SWITCH")))
        object.__setattr__(self, "cases", tuple(pairs))
        object.__setattr__(
            self, "on", None if on is None else function_ref(on, "SWITCH(on=...)")
        )
        dflt = None if default is None else _as_element(default, "SWITCH")
        object.__setattr__(self, "default", dflt)

    @property
    def children(self) -> tuple[Element, ...]:
        kids = tuple(el for _, el in self.cases)
        return kids if self.default is None else kids + (self.default,)

    def with_children(self, children: Sequence[Element]) -> Element:
        n = len(self.cases)
        cases = {k: c for (k, _), c in zip(self.cases, children[:n])}
        default = children[n] if self.default is not None else None
        return SWITCH(cases, on=self.on, default=default)

    def choose(self, key: Any) -> int | None:
        """Index of the child that runs for ``key`` (None: nothing runs)."""
        if isinstance(key, np.generic):
            key = key.item()
        for i, (k, _) in enumerate(self.cases):
            if type(k) is type(key) and k == key or _loose_equal(k, key):
                return i
        return None if self.default is None else len(self.cases)

    def _key(self) -> tuple:
        return (self.cases, self.on, self.default)

    def to_data(self) -> dict:
        return {
            "op": "SWITCH",
            "cases": [[k, el.to_data()] for k, el in self.cases],
            "on": self.on,
            "default": None if self.default is None else self.default.to_data(),
        }

    @classmethod
    def _from_data(cls, data: dict) -> Element:
        cases = {k: element_from_data(el) for k, el in data["cases"]}
        default = data["default"]
        default = None if default is None else element_from_data(default)
        return cls(cases, on=data["on"], default=default)

    def _head(self) -> str:
        return "" if self.on is None else f"on={_show_ref(self.on)}"

    def _line(self) -> str:
        parts = [self._head()] if self.on else []
        cases = ", ".join(f"{k!r}: {el._line()}" for k, el in self.cases)
        parts.append(f"cases={{{cases}}}")
        if self.default is not None:
            parts.append(f"default={self.default._line()}")
        return f"SWITCH({', '.join(parts)})"

    def _block(self, indent: int) -> list[str]:
        lines = ["SWITCH("]
        if self.on is not None:
            lines.append(_INDENT + self._head() + ",")
        lines.append(_INDENT + "cases={")
        for k, el in self.cases:
            sub = el._lines(indent + 2)
            sub[0] = f"{k!r}: {sub[0]}"
            sub[-1] += ","
            lines += [_INDENT * 2 + ln for ln in sub]
        lines.append(_INDENT + "},")
        if self.default is not None:
            sub = self.default._lines(indent + 1)
            sub[0] = "default=" + sub[0]
            sub[-1] += ","
            lines += [_INDENT + ln for ln in sub]
        return lines + [")"]

    def __repr__(self) -> str:
        return f"SWITCH({dict(self.cases)!r}, on={self.on!r}, default={self.default!r})"


def _loose_equal(a: Any, b: Any) -> bool:
    """Numbers match across int / float (1 == 1.0), never bool against number."""
    num = (int, float, np.integer, np.floating)
    if isinstance(a, bool) or isinstance(b, (bool, np.bool_)):
        return False
    return isinstance(a, num) and isinstance(b, num) and a == b


class WEAVE(Element):
    """Interleave programs: each VM step advances the next unfinished one.

    Parameters
    ----------
    *programs : Element
        The programs; each keeps its own last result.
    n_required : int or None
        WEAVE ends once this many programs have finished (None: all of them).
        A program counts as finished when its turn comes and it has no step
        left. The result is the list of the programs' last results.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import BUFFER_REPEAT, CALL, WEAVE, VirtualMachine
    >>> import math
    >>> prog = WEAVE(BUFFER_REPEAT(2, CALL(math.sqrt, 1.0)), CALL(math.sqrt, 9.0))
    >>> VirtualMachine(prog).run()
    [[1.0, 1.0], 3.0]
    """

    __slots__ = ("programs", "n_required")
    op = "WEAVE"

    def __init__(self, *programs: Any, n_required: int | None = None) -> None:
        if len(programs) == 1 and isinstance(programs[0], (list, tuple)):
            programs = tuple(programs[0])
        items = tuple(_as_element(p, "WEAVE") for p in programs)
        if not items:
            raise TypeError("WEAVE needs at least one program, e.g. WEAVE(a, b).")
        if n_required is not None:
            n_required = _check_count(n_required, "WEAVE(n_required=...)")
            if not 1 <= n_required <= len(items):
                raise ValueError(
                    f"WEAVE: n_required must be between 1 and the number of programs "
                    f"({len(items)}), got {n_required!r}."
                )
        object.__setattr__(self, "programs", items)
        object.__setattr__(self, "n_required", n_required)

    @property
    def children(self) -> tuple[Element, ...]:
        return self.programs

    def with_children(self, children: Sequence[Element]) -> Element:
        return WEAVE(*children, n_required=self.n_required)

    def _key(self) -> tuple:
        return (self.programs, self.n_required)

    def to_data(self) -> dict:
        return {
            "op": "WEAVE",
            "programs": [p.to_data() for p in self.programs],
            "n_required": self.n_required,
        }

    @classmethod
    def _from_data(cls, data: dict) -> Element:
        progs = [element_from_data(p) for p in data["programs"]]
        return cls(*progs, n_required=data["n_required"])

    def _tail(self) -> str:
        return "" if self.n_required is None else f"n_required={self.n_required}"

    def _line(self) -> str:
        parts = [p._line() for p in self.programs] + (
            [self._tail()] * bool(self._tail())
        )
        return f"WEAVE({', '.join(parts)})"

    def _block(self, indent: int) -> list[str]:
        lines = ["WEAVE("]
        for p in self.programs:
            lines += _indented(p, indent)
        if self.n_required is not None:
            lines.append(_INDENT + self._tail() + ",")
        return lines + [")"]

    def __repr__(self) -> str:
        progs = ", ".join(repr(p) for p in self.programs)
        return f"WEAVE({progs}, n_required={self.n_required!r})"


class BREAK(Element):
    """Leave the innermost enclosing LOOP, REPEAT or BUFFER_REPEAT.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import BREAK
    >>> BREAK()
    BREAK()
    """

    __slots__ = ()
    op = "BREAK"

    def _key(self) -> tuple:
        return ()

    def to_data(self) -> dict:
        return {"op": "BREAK"}

    @classmethod
    def _from_data(cls, data: dict) -> Element:
        return cls()

    def _line(self) -> str:
        return "BREAK()"

    __repr__ = _line


class EVENT(Element):
    """Tell the hooks: calls ``hook.on_<name>(vm, count=, logs=, step=, **info)``.

    ``count`` is how many times this event has run (1 for the first), ``logs``
    the last result when it is a mapping (monitored values) and ``{}`` otherwise.
    The last result is left unchanged, and an EVENT is not a VM step.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import EVENT
    >>> print(EVENT("epoch_end"))
    EVENT('epoch_end')
    """

    __slots__ = ("name", "info")
    op = "EVENT"

    def __init__(self, name: str, /, **info: Any) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"EVENT: the name must be an identifier (hooks get on_<name>), got "
                f"{name!r}."
            )
        if name in _RESERVED_EVENTS:
            raise ValueError(
                f"EVENT: {name!r} is reserved for the VM's own events "
                f"{sorted(_RESERVED_EVENTS)!r}; choose another name."
            )
        object.__setattr__(self, "name", name)
        frozen = tuple(sorted((k, _freeze_arg(v, "EVENT")) for k, v in info.items()))
        object.__setattr__(self, "info", frozen)

    def _key(self) -> tuple:
        return (self.name, self.info)

    def to_data(self) -> dict:
        info = {k: _arg_data(v) for k, v in self.info}
        return {"op": "EVENT", "name": self.name, "info": info}

    @classmethod
    def _from_data(cls, data: dict) -> Element:
        info = {k: _arg_from_data(v) for k, v in data.get("info", {}).items()}
        return cls(data["name"], **info)

    def _line(self) -> str:
        parts = [repr(self.name)] + [f"{k}={v!r}" for k, v in self.info]
        return f"EVENT({', '.join(parts)})"

    __repr__ = _line


_OPS: dict[str, type[Element]] = {
    cls.op: cls
    for cls in (
        CALL,
        FILT,
        SEQ,
        REPEAT,
        BUFFER_REPEAT,
        LOOP,
        SWITCH,
        WEAVE,
        BREAK,
        EVENT,
    )
}


def rebuild_element(data: Mapping[str, Any], objects: Mapping[str, Any]) -> Element:
    """Rebuild an element from data and attach the objects it recorded.

    What pickling and deep-copying a program with recorded objects use: the
    objects keep their names (see :meth:`Element.objects`).
    """
    program = element_from_data(data)
    for name, obj in objects.items():
        adopt(name, obj)
    for _, el in program.walk():
        if isinstance(el, _Call):
            bound = tuple(sorted((n, objects[n]) for n in el._names() if n in objects))
            object.__setattr__(el, "bound", bound)
    return program


def element_from_data(data: Mapping[str, Any]) -> Element:
    """Rebuild an element from :meth:`Element.to_data` output (imports nothing).

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, REPEAT, element_from_data
    >>> prog = REPEAT(2, CALL("m.step", 0.5))
    >>> element_from_data(prog.to_data()) == prog
    True
    """
    if not isinstance(data, Mapping) or data.get("op") not in _OPS:
        raise ProgramError(
            f"element_from_data: expected a mapping with 'op' in {sorted(_OPS)!r}, "
            f"got {data!r:.80}."
        )
    return _OPS[data["op"]]._from_data(dict(data))


def count_steps(program: Element, event: str | None = None) -> int | None:
    """Number of VM steps the program takes, or None when it is not known ahead.

    Unknown: a LOOP, a BREAK, a SWITCH whose branches differ, a WEAVE that ends
    early.

    Parameters
    ----------
    program : Element
        The program.
    event : str or None
        Count how many times ``EVENT(event)`` runs instead of counting steps.

    Examples
    --------
    >>> from sklearn_pylearn.runtime import CALL, EVENT, LOOP, REPEAT, count_steps
    >>> count_steps(REPEAT(10, CALL("a.f")))
    10
    >>> count_steps(REPEAT(3, CALL("a.f"), EVENT("epoch_end")), event="epoch_end")
    3
    >>> count_steps(LOOP(CALL("a.f"))) is None
    True
    """
    if any(isinstance(e, (LOOP, BREAK)) for _, e in program.walk()):
        return None
    if event is None:
        return _count(program, lambda el: isinstance(el, (CALL, FILT)))
    return _count(program, lambda el: isinstance(el, EVENT) and el.name == event)


def _count(el: Element, leaf: Callable[[Element], bool]) -> int | None:
    if leaf(el):
        return 1
    if isinstance(el, _Repeat):
        inner = _count(el.body, leaf)
        return None if inner is None else el.n * inner
    if isinstance(el, SWITCH):
        counts = {_count(c, leaf) for c in el.children}
        if el.default is None:
            counts.add(0)
        return counts.pop() if len(counts) == 1 else None
    if isinstance(el, WEAVE) and el.n_required not in (None, len(el.programs)):
        return None
    counts = [_count(c, leaf) for c in el.children]
    return None if None in counts else sum(counts)  # type: ignore[arg-type]


def check_program(program: Element) -> None:
    """Raise ProgramError for a BREAK outside any loop (within its WEAVE branch)."""
    _check_breaks(program, inside_loop=False)


def _check_breaks(el: Element, inside_loop: bool) -> None:
    if isinstance(el, BREAK) and not inside_loop:
        raise ProgramError(
            "BREAK() is not inside a LOOP, REPEAT or BUFFER_REPEAT (a WEAVE branch "
            "counts on its own), so it has nothing to leave. Move it into the loop."
        )
    if isinstance(el, WEAVE):
        inside_loop = False
    loopish = isinstance(el, (LOOP, _Repeat))
    for child in el.children:
        _check_breaks(child, inside_loop or loopish)
