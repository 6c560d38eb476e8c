"""Graphviz text of a model: layers as boxes, data as ellipses, annotations as
nested clusters."""

from __future__ import annotations

__all__ = ["to_dot"]


def _label(node) -> str:
    text = (
        node.kind
        if node.name is None or node.name == node.kind
        else (f"{node.kind}\\n{node.name}")
    )
    params = [leaf.name for leaf in node.owned if leaf.kind == "param"]
    if params:
        text += "\\n[" + ", ".join(params) + "]"
    if node.size is not None:
        text += f"\\n({node.size})"
    return text


def _deepest(model) -> dict[int, object]:
    """Node id -> the deepest annotation holding it."""
    owner: dict[int, tuple[int, object]] = {}

    def visit(ann, depth):
        for node in ann.nodes:
            if id(node) not in owner or owner[id(node)][0] <= depth:
                owner[id(node)] = (depth, ann)
        for child in ann.children:
            visit(child, depth + 1)

    visit(model.root, 0)
    return {k: v[1] for k, v in owner.items()}


def to_dot(model) -> str:
    """Graphviz ``digraph`` text of ``model`` (see :meth:`Model.to_dot`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.graph import Input, sigmoid
    >>> from sklearn_pylearn.graph.macros import RBM
    >>> text = RBM(4, 2).to_dot()
    >>> text.splitlines()[0], "subgraph cluster_" in text
    ('digraph "RBM" {', True)
    """
    nodes = model.nodes()
    ids = {id(n): f"n{i}" for i, n in enumerate(nodes)}
    owner = _deepest(model)
    lines = [f'digraph "{model.name}" {{', "  rankdir=BT;"]
    counter = iter(range(10**6))

    def emit(ann, indent):
        pad = "  " * indent
        for node in nodes:
            if owner.get(id(node)) is ann:
                shape = "ellipse" if node.kind == "input" else "box"
                lines.append(
                    f'{pad}{ids[id(node)]} [label="{_label(node)}", shape={shape}];'
                )
        for child in ann.children:
            lines.append(f"{pad}subgraph cluster_{next(counter)} {{")
            lines.append(f'{pad}  label="{child.name}";')
            emit(child, indent + 1)
            lines.append(f"{pad}}}")

    emit(model.root, 1)
    for node in nodes:
        if id(node) not in owner:
            shape = "ellipse" if node.kind == "input" else "box"
            lines.append(f'  {ids[id(node)]} [label="{_label(node)}", shape={shape}];')
    for node in nodes:
        for parent in node.parents:
            lines.append(f"  {ids[id(parent)]} -> {ids[id(node)]};")
    lines.append("}")
    return "\n".join(lines)
