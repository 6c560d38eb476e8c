"""ModelGraphDisplay: an annotated layer graph or a pipeline's fusion plan, drawn.

Graphs are described in Graphviz's DOT language. With Graphviz's ``dot`` program
installed the picture is Graphviz's; otherwise a layered drawing in matplotlib of
the same nodes, edges and clusters (annotations, fused segments).
"""

import re
import shutil
import subprocess

from ._base import new_axes

__all__ = ["ModelGraphDisplay", "parse_dot", "pipeline_dot"]

_NODE = re.compile(r'^\s*"?([^"\s\[\]{};=]+)"?\s*\[(.*)\]\s*;?\s*$')
_EDGE = re.compile(r'"?([^"\s\[\]{};]+)"?\s*->\s*"?([^"\s\[\]{};]+)"?')
_LABEL = re.compile(r'label\s*=\s*"((?:[^"\\]|\\.)*)"')
_CLUSTER = re.compile(r'subgraph\s+"?(cluster[^"\s{]*)"?\s*\{')


def _quote(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def pipeline_dot(pipeline, method=None):
    """DOT text of a fitted pipeline's fusion plan: fused segments are clusters.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.pipeline import make_pipeline
    >>> from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler
    >>> pipe = make_pipeline(StandardScaler(), MinMaxScaler()).fit(np.eye(3))
    >>> print(pipeline_dot(pipe))  # doctest: +ELLIPSIS
    digraph pipeline {
      rankdir=LR;
      node [shape=box];
      "input" [label="X"];
      subgraph "cluster_0" {
        label="fused segment 0: X @ W + b";
    ...
    """
    if method is None:
        last = pipeline[-1]
        method = "transform" if hasattr(last, "transform") else "predict"
    plan = pipeline.fusion_plan(method)
    lines = ["digraph pipeline {", "  rankdir=LR;", "  node [shape=box];"]
    lines.append('  "input" [label="X"];')
    previous = "input"
    for i, entry in enumerate(plan.entries):
        steps = list(getattr(entry, "steps", None) or [entry.step])
        if hasattr(entry, "folded"):
            folded = " + ".join(name for g in entry.folded for name in g.steps)
            how = "X @ W + b" if entry.folded else "one compiled function"
            lines.append(f'  subgraph "cluster_{i}" {{')
            lines.append(f'    label="fused segment {i}: {_quote(how)}";')
            if folded:
                lines.append(f"    // folded: {folded}")
            for name in steps:
                lines.append(f'    "{name}" [label="{_quote(name)}"];')
            lines.append("  }")
        else:
            lines.append(f'  "{steps[0]}" [label="{_quote(steps[0])} (unfused)"];')
        for name in steps:
            lines.append(f'  "{previous}" -> "{name}";')
            previous = name
    lines.append("}")
    return "\n".join(lines)


def parse_dot(text):
    """Nodes (name -> label), edges and clusters (label -> member names) of DOT text.

    Examples
    --------
    >>> nodes, edges, clusters = parse_dot(
    ...     'digraph { subgraph cluster_rbm1 { label="rbm1"; "W" [label="W"]; }\\n'
    ...     '"x" -> "W"; }')
    >>> nodes, edges, clusters
    ({'W': 'W', 'x': 'x'}, [('x', 'W')], {'rbm1': ['W']})
    """
    nodes, edges, clusters, stack = {}, [], {}, []
    for raw in text.replace("{", "{\n").replace(";", ";\n").splitlines():
        line = raw.strip()
        cluster = _CLUSTER.search(line)
        if cluster:
            stack.append([cluster.group(1).removeprefix("cluster_"), []])
            continue
        if line.startswith("}"):
            if stack:
                name, members = stack.pop()
                clusters[name] = members
            continue
        if line.startswith("label") and stack:
            stack[-1][0] = _LABEL.search(line).group(1) if _LABEL.search(line) else ""
            continue
        for a, b in _EDGE.findall(line):
            edges.append((a, b))
            for n in (a, b):
                nodes.setdefault(n, n)
        if "->" in line:
            continue
        node = _NODE.match(line)
        if node and node.group(1) not in ("node", "edge", "graph"):
            label = _LABEL.search(node.group(2))
            nodes[node.group(1)] = label.group(1) if label else node.group(1)
            if stack:
                stack[-1][1].append(node.group(1))
    return nodes, edges, clusters


def _layers(nodes, edges):
    """Column of each node: the length of the longest path reaching it."""
    depth = dict.fromkeys(nodes, 0)
    for _ in range(len(nodes)):
        changed = False
        for a, b in edges:
            if depth[b] < depth[a] + 1 <= len(nodes):
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    return depth


class ModelGraphDisplay:
    """A layer graph (``model.to_dot()``) or a pipeline's fusion plan, as a picture.

    Parameters
    ----------
    dot : str
        The graph in Graphviz's DOT language.
    name : str or None

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure
    engine_ : str
        ``"graphviz"`` or ``"matplotlib"``: what drew it.
    positions_ : dict
        Node -> (x, y) (matplotlib engine).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> disp = ModelGraphDisplay(dot='digraph { "x" -> "h"; "h" -> "out"; }')
    >>> disp.plot(engine="matplotlib").positions_["out"]
    (2, 0.0)
    """

    def __init__(self, *, dot, name=None):
        self.dot = dot
        self.name = name

    @classmethod
    def from_estimator(cls, estimator, *, method=None, ax=None, engine="auto"):
        """Draw a fitted pipeline's fusion plan, or a fitted graph estimator's model.

        Returns
        -------
        ModelGraphDisplay
        """
        if hasattr(estimator, "fusion_plan"):
            dot, name = pipeline_dot(estimator, method), "Pipeline fusion plan"
        elif hasattr(getattr(estimator, "model_", None), "to_dot"):
            dot, name = estimator.model_.to_dot(), type(estimator).__name__
        else:
            raise ValueError(
                f"ModelGraphDisplay: {type(estimator).__name__} is neither a "
                "sklearn_pylearn Pipeline nor an estimator with a layer graph "
                "(model_.to_dot()); for a graph model use from_model(model)."
            )
        return cls(dot=dot, name=name).plot(ax=ax, engine=engine)

    @classmethod
    def from_model(cls, model, *, ax=None, engine="auto"):
        """Draw an annotated layer graph (anything with ``to_dot()``).

        Returns
        -------
        ModelGraphDisplay
        """
        return cls(dot=model.to_dot(), name=type(model).__name__).plot(
            ax=ax, engine=engine
        )

    def plot(self, *, ax=None, engine="auto"):
        """Draw with Graphviz when its ``dot`` program exists, else with matplotlib.

        Parameters
        ----------
        engine : {"auto", "graphviz", "matplotlib"}

        Returns
        -------
        self
        """
        if engine not in ("auto", "graphviz", "matplotlib"):
            raise ValueError(
                f"engine must be 'auto', 'graphviz' or 'matplotlib', got {engine!r}"
            )
        dot_program = shutil.which("dot")
        if engine == "graphviz" and dot_program is None:
            raise RuntimeError(
                "engine='graphviz' needs Graphviz's dot program (apt-get install "
                "graphviz); engine='auto' falls back to matplotlib."
            )
        self.figure_, self.ax_ = new_axes(ax)
        if dot_program is not None and engine != "matplotlib":
            self._plot_graphviz(dot_program)
        else:
            self._plot_matplotlib(resize=ax is None)
        self.ax_.set_axis_off()
        if self.name:
            self.ax_.set_title(self.name)
        return self

    def _plot_graphviz(self, program):
        import io

        import matplotlib.image as mpimg

        png = subprocess.run(
            [program, "-Tpng"], input=self.dot.encode(), capture_output=True, check=True
        ).stdout
        self.ax_.imshow(mpimg.imread(io.BytesIO(png), format="png"))
        self.engine_ = "graphviz"

    def _plot_matplotlib(self, resize=True):
        from matplotlib.patches import Rectangle

        nodes, edges, clusters = parse_dot(self.dot)
        depth = _layers(nodes, edges)
        columns = {}
        for node in nodes:
            columns.setdefault(depth[node], []).append(node)
        self.positions_ = {}
        for x, members in columns.items():
            for k, node in enumerate(members):
                self.positions_[node] = (x, k - (len(members) - 1) / 2)
        for a, b in edges:
            self.ax_.annotate(
                "",
                xy=self.positions_[b],
                xytext=self.positions_[a],
                arrowprops={"arrowstyle": "->", "shrinkA": 18, "shrinkB": 18},
            )
        for node, (x, y) in self.positions_.items():
            self.ax_.text(
                x,
                y,
                nodes[node],
                ha="center",
                va="center",
                fontsize=8,
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "C0"},
            )
        for k, (label, members) in enumerate(clusters.items()):
            points = [self.positions_[m] for m in members if m in self.positions_]
            if not points:
                continue
            xs, ys = zip(*points)
            self.ax_.add_patch(
                Rectangle(
                    (min(xs) - 0.4, min(ys) - 0.4),
                    max(xs) - min(xs) + 0.8,
                    max(ys) - min(ys) + 0.8,
                    fill=False,
                    linestyle="--",
                    edgecolor=f"C{k + 1}",
                )
            )
            self.ax_.text(
                min(xs) - 0.4, max(ys) + 0.45, label, fontsize=7, color=f"C{k + 1}"
            )
        span_x = max(depth.values(), default=0)
        span_y = max((len(m) for m in columns.values()), default=1)
        if resize:  # room for the labels: a figure we made grows with the graph
            longest = max((len(label) for label in nodes.values()), default=1)
            self.figure_.set_size_inches(
                max(6.0, (span_x + 1) * (0.6 + 0.09 * longest)), 1.5 + 1.1 * span_y
            )
        self.ax_.set_xlim(-0.8, span_x + 0.8)
        self.ax_.set_ylim(-span_y / 2 - 0.8, span_y / 2 + 0.8)
        self.engine_ = "matplotlib"
