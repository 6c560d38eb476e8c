"""Vectorizable exp, log, tanh, sigmoid and softplus for the Numba backend.

Numba evaluates ``np.exp``, ``np.tanh`` ... with one scalar libm call per element
(the pip llvmlite has no SVML), so an elementwise loop over them does not vectorize
and runs several times slower than NumPy's SIMD ufuncs. The kernels here are
branch-free: range reduction by a power of two (built with integer bit operations),
fdlibm's polynomials, and selects instead of branches, which LLVM turns into vector
code. They are accurate to a few ulp in float64 (within 1e-14 relative of NumPy) and
keep the exact limits and the NaN / inf behaviour of NumPy; float32 inputs are
computed in float64 and rounded once, so they are within 1 ulp of the correctly
rounded result (NumPy's own float32 ``log`` is up to 3 ulp off it). A float32
result needs about 1e-8 relative, not 1e-16: its ``exp`` uses a division-free
polynomial (``exp_narrow``), about 1.2x faster, still rounded once to within 1
ulp. The float32 ``sigmoid`` (the hidden units of logistic MLPs and RBMs) runs
in float32 arithmetic on twice the vector lanes, carrying its rounding errors to
stay within 1 ulp (``sigmoid32``, checked on every float32 input). The float64
``sigmoid`` uses a division-free ``exp`` of ``-|x|``. The kernels are compiled
with one fast-math flag, ``contract`` (fused multiply-adds), and never with
reassociation or finite-math assumptions.

:func:`fast_math_mode` adds a graph rewrite to a Numba compile mode that swaps
PyTensor's ``Exp``, ``Expm1``, ``Log``, ``Log1p``, ``Tanh``, ``Sigmoid`` and
``Softplus`` on float32 / float64 for subclasses (same maths, same gradients and C
code) whose Numba implementation is the kernel here. It runs just before elementwise
fusion, so the fused loops inline the kernels.
"""

from __future__ import annotations

import ast
import hashlib
import math
from pathlib import Path

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.cpython.unsafe.tuple import tuple_setitem
from numba.extending import intrinsic
from pytensor.compile.mode import Mode, get_mode, optdb
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.graph.rewriting.basic import in2out, node_rewriter
from pytensor.link.numba.dispatch.basic import (
    register_funcify_and_cache_key,
    register_funcify_default_op_cache_key,
)
from pytensor.link.numba.linker import NumbaLinker
from pytensor.scalar import basic as ps
from pytensor.scalar import math as psm
from pytensor.tensor import elemwise as pt_elemwise
from pytensor.tensor.elemwise import DimShuffle, Elemwise
from pytensor.tensor.math import Dot
from pytensor.tensor.special import LogSoftmax, Softmax

__all__ = [
    "KERNELS",
    "FLOAT32_KERNELS",
    "FAST_OPS",
    "ContiguousExpandDims",
    "ContiguousTranspose",
    "RowSoftmax",
    "fast_math_mode",
    "REWRITE_NAME",
]

REWRITE_NAME = "sklearn_pylearn_fastmath"
REWRITE_TAG = "sklearn_pylearn_fast_kernels"


def code_digest(source: str) -> str:
    r"""A digest of Python source that ignores its comments, docstrings and layout.

    Examples
    --------
    >>> a = code_digest("def f(x):\n    'Doc.'\n    return x + 1  # one\n")
    >>> a == code_digest("def f(x):\n    return x + 1\n")
    True
    >>> a == code_digest("def f(x):\n    return x + 2\n")
    False
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()[:16]


# Salts PyTensor's on-disk cache key of the kernels: Numba would otherwise load a
# kernel compiled from an older version of this file. Only the code counts, so an
# edit of a comment or docstring keeps every machine's compiled kernels.
KERNEL_VERSION = code_digest(Path(__file__).read_text())
KERNEL_VERSION_INT = int(KERNEL_VERSION, 16)
_FLOAT_DTYPES = ("float32", "float64")

# fdlibm's constants (e_exp.c, s_expm1.c, e_log.c).
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_P1 = 1.66666666666666019037e-01
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_EXP_OVERFLOW = 709.782712893383973096
_SQRT2 = 1.4142135623730951
_TWO54 = 18014398509481984.0


@intrinsic
def _as_float(typingctx, bits):
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def _as_bits(typingctx, value):
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _as_float32(typingctx, bits):
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.int32), codegen


def _kernel(fn):
    # Only the "contract" fast-math flag: a * b + c may become one fused
    # multiply-add (one rounding instead of two, about 15% off a float64 sigmoid
    # loop). Nothing else: the NaN tests and the order of the compensated sums
    # must survive. error_model="numpy" keeps divisions free of Python's
    # ZeroDivisionError branch, which would stop vectorization.
    return numba.njit(fastmath={"contract"}, error_model="numpy", cache=False)(fn)


@_kernel
def _expm1_core(r: float) -> float:
    # fdlibm: exp(r) = 1 + r + r * c / (2 - c), |r| <= ln2 / 2.
    t = r * r
    c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    return r * c / (2.0 - c)


@_kernel
def exp64(x: float) -> float:
    """exp(x) in float64, branch-free."""
    xc = min(max(x, -746.0), 710.0)
    k = np.floor(xc * _LOG2E + 0.5)
    hi = xc - k * _LN2_HI
    lo = k * _LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    ki = np.int64(k)
    k1 = ki >> 1
    # Two scalings keep 2**k finite at both ends; the last product rounds once.
    out = (y * _as_float((k1 + 1023) << 52)) * _as_float((ki - k1 + 1023) << 52)
    out = np.inf if x > _EXP_OVERFLOW else out
    return x if x != x else out


@_kernel
def expm1_64(x: float) -> float:
    """exp(x) - 1 in float64, accurate near 0."""
    small = x + _expm1_core(x)
    big = exp64(x) - 1.0
    out = small if abs(x) < 0.34657359027997264 else big
    return x if x == 0.0 else out


@_kernel
def log64(x: float) -> float:
    """log(x) in float64 (subnormals included), branch-free."""
    tiny = x < 2.2250738585072014e-308
    xs = x * _TWO54 if tiny else x
    bits = _as_bits(xs)
    e = ((bits >> 52) & 0x7FF) - 1023 - (54 if tiny else 0)
    m = _as_float((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    up = m > _SQRT2
    m = m * 0.5 if up else m
    k = np.float64(e + (1 if up else 0))
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    hfsq = 0.5 * f * f
    out = k * _LN2_HI - ((hfsq - (s * (hfsq + t1 + t2) + k * _LN2_LO)) - f)
    out = -np.inf if x == 0.0 else out
    out = np.nan if x < 0.0 else out
    out = x if x == np.inf else out
    return x if x != x else out


@_kernel
def log1p64(x: float) -> float:
    """log(1 + x) in float64, accurate near 0."""
    u = 1.0 + x
    # log(u) plus the rounding error of 1 + x, to first order.
    correction = ((u - 1.0) - x) / u
    out = log64(u) - (0.0 if u == 0.0 else correction)
    out = x if u == 1.0 else out
    out = x if x == np.inf else out
    return out


@_kernel
def tanh64(x: float) -> float:
    """tanh(x) in float64."""
    e = expm1_64(-2.0 * abs(x))
    t = -e / (2.0 + e)
    out = -t if x < 0.0 else t
    out = x if x == 0.0 else out
    return x if x != x else out


# Taylor coefficients 1/n! of _exp_nonpositive's polynomial.
_E2, _E3, _E4, _E5, _E6, _E7, _E8, _E9, _E10, _E11, _E12 = (
    1.0 / math.factorial(n) for n in range(2, 13)
)


@_kernel
def _exp_nonpositive(a: float) -> float:
    # exp(a) for a <= 0 (a NaN gives a number: callers select x for it). exp64's
    # range reduction, then the degree-12 Taylor polynomial instead of fdlibm's
    # rational step: |r| <= ln2 / 2 bounds its truncation error by 1.7e-16
    # relative, and with no division and no overflow test a sigmoid loop is about
    # 12% faster. Two scalings keep subnormal results exact to their last unit.
    ac = max(a, -746.0)
    k = np.floor(ac * _LOG2E + 0.5)
    r = (ac - k * _LN2_HI) - k * _LN2_LO
    p = _E11 + r * _E12
    p = _E10 + r * p
    p = _E9 + r * p
    p = _E8 + r * p
    p = _E7 + r * p
    p = _E6 + r * p
    p = _E5 + r * p
    p = _E4 + r * p
    p = _E3 + r * p
    p = _E2 + r * p
    p = 1.0 + r * (1.0 + r * p)
    ki = np.int64(k)
    k1 = ki >> 1
    return (p * _as_float((k1 + 1023) << 52)) * _as_float((ki - k1 + 1023) << 52)


@_kernel
def sigmoid64(x: float) -> float:
    """1 / (1 + exp(-x)) in float64, accurate in both tails."""
    e = _exp_nonpositive(-abs(x))
    p = 1.0 / (1.0 + e)
    out = p if x >= 0.0 else e * p
    return x if x != x else out


@_kernel
def _log1p_unit(t: float) -> float:
    # log(1 + t) for t in [0, 1]: log64 without its special cases, small enough
    # for LLVM to inline into the fused loop (which it must, to vectorize it).
    u = 1.0 + t
    up = u > _SQRT2
    f = (0.5 * u if up else u) - 1.0
    k = 1.0 if up else 0.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    hfsq = 0.5 * f * f
    out = k * _LN2_HI - ((hfsq - (s * (hfsq + t1 + t2) + k * _LN2_LO)) - f)
    return out - ((u - 1.0) - t) / u


@_kernel
def softplus64(x: float) -> float:
    """log(1 + exp(x)) in float64, accurate in both tails."""
    out = (x if x > 0.0 else 0.0) + _log1p_unit(exp64(-abs(x)))
    return x if x != x else out


# Taylor coefficients 1/n! of exp_narrow's polynomial.
_C3, _C4, _C5, _C6, _C7 = 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040


@_kernel
def exp_narrow(x: float) -> float:
    """exp(x) in float64 to 1e-8 relative, for float32 results.

    After exp64's range reduction, ``|r| <= ln2 / 2`` and the degree-7 Taylor
    polynomial's truncation error is below 7.3e-9 relative, so the float32
    rounding of the result is within 1 ulp of the correctly rounded one. No
    division (exp64's rational step is its slowest instruction) and a single
    scaling: ``x`` is clamped to [-110, 90], where float32 is already 0 or inf.
    """
    xc = min(max(x, -110.0), 90.0)
    k = np.floor(xc * _LOG2E + 0.5)
    r = (xc - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 + r * (
        1.0 + r * (0.5 + r * (_C3 + r * (_C4 + r * (_C5 + r * (_C6 + r * _C7)))))
    )
    out = p * _as_float((np.int64(k) + 1023) << 52)
    return x if x != x else out


# Cephes' expf: ln2 in two parts (the first exact in 9 bits) and its polynomial.
_LOG2E_32 = np.float32(_LOG2E)
_LN2_HI_32 = np.float32(0.693359375)
_LN2_LO_32 = np.float32(-2.12194440e-4)
_Q0, _Q1, _Q2, _Q3, _Q4, _Q5 = (
    np.float32(c)
    for c in (
        1.9875691500e-4,
        1.3981999507e-3,
        8.3334519073e-3,
        4.1665795894e-2,
        1.6666665459e-1,
        5.0000001201e-1,
    )
)
_ONE_32 = np.float32(1.0)


@_kernel
def sigmoid32(x):
    """1 / (1 + exp(-x)) in float32 arithmetic, within 1 ulp.

    Twice the vector lanes of a float64 kernel. The rounding errors a float32
    evaluation would add are carried instead: ``exp(-|x|)`` as a sum ``e + elo``
    (the exact error of ``1 + s``), the denominator as ``d + dlo``, and the
    reciprocal corrected by one Newton step on both. Checked against the
    correctly rounded result on every finite float32 input: at most 1 ulp.
    """
    a = max(-abs(x), np.float32(-104.0))  # below, the result rounds to 0
    k = np.floor(a * _LOG2E_32 + np.float32(0.5))
    r = (a - k * _LN2_HI_32) - k * _LN2_LO_32
    q = ((((_Q0 * r + _Q1) * r + _Q2) * r + _Q3) * r + _Q4) * r + _Q5
    s = q * (r * r) + r
    y = _ONE_32 + s
    ylo = (_ONE_32 - y) + s
    ki = np.int32(k)
    k1 = np.int32(ki >> 1)
    s1 = _as_float32(np.int32((k1 + 127) << 23))
    s2 = _as_float32(np.int32((ki - k1 + 127) << 23))
    e = (y * s1) * s2
    elo = (ylo * s1) * s2
    d = _ONE_32 + e
    dlo = ((_ONE_32 - d) + e) + elo
    p = _ONE_32 / d
    p = p + p * ((_ONE_32 - d * p) - dlo * p)
    out = p if x >= np.float32(0.0) else e * p + elo * p
    return x if x != x else out


KERNELS = {
    "exp": exp64,
    "expm1": expm1_64,
    "log": log64,
    "log1p": log1p64,
    "tanh": tanh64,
    "sigmoid": sigmoid64,
    "softplus": softplus64,
}


# Kernels that float32 results use instead: computed in float64 and rounded once
# (exp_narrow), or in float32 arithmetic (sigmoid32, in NATIVE_FLOAT32).
FLOAT32_KERNELS = {"exp": exp_narrow, "sigmoid": sigmoid32}
NATIVE_FLOAT32 = frozenset({sigmoid32})


def _fast_op_class(base: type, kernel_name: str) -> type:
    name = "Fast" + base.__name__
    doc = (
        f"PyTensor's ``{base.__name__}`` with a vectorizable Numba kernel "
        f"(``{kernel_name}``); same values, gradient and C code."
    )
    cls = type(name, (base,), {"__doc__": doc, "__module__": __name__})
    cls.kernel_name = kernel_name
    return cls


_BASES = {
    ps.Exp: "exp",
    ps.Expm1: "expm1",
    ps.Log: "log",
    ps.Log1p: "log1p",
    ps.Tanh: "tanh",
    psm.Sigmoid: "sigmoid",
    psm.Softplus: "softplus",
}
FAST_OPS = {base: _fast_op_class(base, name) for base, name in _BASES.items()}
for _cls in FAST_OPS.values():
    globals()[_cls.__name__] = _cls


def _numba_kernel(op, node, **kwargs):
    kernel = KERNELS[op.kernel_name]
    if node.outputs[0].type.dtype == "float32":
        kernel = FLOAT32_KERNELS.get(op.kernel_name, kernel)
        kernel = kernel if kernel in NATIVE_FLOAT32 else _float32(kernel)
    key = f"sklearn_pylearn.fastmath.{op.kernel_name}.{node.outputs[0].type.dtype}"
    return kernel, f"{key}.v{KERNEL_VERSION}"


_FLOAT32_CACHE: dict = {}


def _float32(kernel):
    wrapped = _FLOAT32_CACHE.get(kernel)
    if wrapped is None:

        def on_float32(x):
            return np.float32(kernel(np.float64(x)))

        wrapped = _FLOAT32_CACHE[kernel] = _kernel(on_float32)
    return wrapped


for _cls in FAST_OPS.values():
    register_funcify_and_cache_key(_cls)(_numba_kernel)


@node_rewriter([Elemwise])
def _use_fast_kernels(fgraph, node):
    scalar_op = node.op.scalar_op
    fast = FAST_OPS.get(type(scalar_op))
    if fast is None or node.outputs[0].type.dtype not in _FLOAT_DTYPES:
        return None
    if node.inputs[0].type.dtype != node.outputs[0].type.dtype:
        return None
    name = f"fast_{scalar_op.name}" if scalar_op.name else None
    new_scalar = fast(scalar_op.output_types_preference, name=name)
    return [Elemwise(new_scalar)(*node.inputs)]


class ContiguousExpandDims(DimShuffle):
    """``DimShuffle`` that only inserts broadcastable axes, as a contiguous reshape.

    PyTensor's Numba ``DimShuffle`` returns an ``as_strided`` view, typed as
    non-contiguous, and a fused loop reading a non-contiguous operand (a fitted
    vector broadcast along the rows) does not vectorize. A reshape of a
    contiguous vector is typed contiguous.
    """

    c_func_file = str(Path(pt_elemwise.__file__).parent / DimShuffle.c_func_file)


def _is_plain_expand(op: DimShuffle) -> bool:
    kept = [o for o in op.new_order if o != "x"]
    return not op.drop and kept == list(range(op.input_ndim)) and op.input_ndim > 0


@register_funcify_default_op_cache_key(ContiguousExpandDims)
def _numba_expand(op, node, **kwargs):
    positions = tuple(i for i, o in enumerate(op.new_order) if o != "x")
    template = (1,) * len(op.new_order)

    @numba.njit(cache=False)
    def expand(x):
        shape = template
        for src, dst in enumerate(positions):
            shape = tuple_setitem(shape, dst, x.shape[src])
        return np.ascontiguousarray(x).reshape(shape)

    return expand, KERNEL_VERSION_INT


@node_rewriter([DimShuffle])
def _contiguous_expand_dims(fgraph, node):
    op = node.op
    if type(op) is not DimShuffle or not _is_plain_expand(op):
        return None
    return [
        ContiguousExpandDims(input_ndim=op.input_ndim, new_order=op.new_order)(
            node.inputs[0]
        )
    ]


class ContiguousTranspose(DimShuffle):
    """The transpose of a matrix feeding a ``Dot``, typed Fortran-contiguous.

    PyTensor's Numba ``DimShuffle`` returns an ``as_strided`` view, typed as
    non-contiguous, and Numba's ``np.dot`` copies such an operand into C order
    before calling BLAS: a transposing copy of the whole matrix on every call (of
    the weights, in a layer's backward product). Here a C-contiguous input (the
    usual case, checked at run time) gives its ``.T``, typed Fortran-contiguous,
    which BLAS reads in place through its transpose flag; any other input is
    copied once, as ``np.dot`` would have done.
    """

    c_func_file = str(Path(pt_elemwise.__file__).parent / DimShuffle.c_func_file)


@register_funcify_default_op_cache_key(ContiguousTranspose)
def _numba_transpose(op, node, **kwargs):
    @numba.njit(cache=False)
    def transpose(x):
        return np.ascontiguousarray(x).T

    return transpose, KERNEL_VERSION_INT


def _is_transpose(var) -> bool:
    owner = var.owner
    return (
        owner is not None
        and type(owner.op) is DimShuffle
        and owner.op.input_ndim == 2
        and tuple(owner.op.new_order) == (1, 0)
    )


@node_rewriter([Dot])
def _contiguous_transpose(fgraph, node):
    if type(node.op) is not Dot or not any(map(_is_transpose, node.inputs)):
        return None
    inputs = [
        ContiguousTranspose(input_ndim=2, new_order=(1, 0))(v.owner.inputs[0])
        if _is_transpose(v)
        else v
        for v in node.inputs
    ]
    return [node.op(*inputs)]


@_kernel
def _row_softmax(z, log):
    # In float64 whatever z's dtype (float32 is rounded once, by the caller).
    n, m = z.shape
    tops = np.empty(n)
    e = np.empty((n, m))
    for i in range(n):
        top = -np.inf
        for j in range(m):
            # A NaN never wins here, yet still makes its whole row NaN (through
            # exp64 and the row's total), as NumPy's max would.
            top = z[i, j] if z[i, j] > top else top
        tops[i] = top
        for j in range(m):
            e[i, j] = np.float64(z[i, j]) - top
    # One long loop, not one per row: with a few classes per row, the vector
    # loop's scalar remainder would be most of the work.
    flat = e.reshape(n * m)
    for k in range(n * m):
        flat[k] = exp64(flat[k])
    if not log:
        for i in range(n):
            total = 0.0
            for j in range(m):
                total += e[i, j]
            for j in range(m):
                e[i, j] = e[i, j] / total
        return e
    out = np.empty((n, m))
    for i in range(n):
        total = 0.0
        for j in range(m):
            total += e[i, j]
        lse = log64(total)
        for j in range(m):
            out[i, j] = (np.float64(z[i, j]) - tops[i]) - lse
    return out


class RowSoftmax(Op):
    """Softmax (or log-softmax) along the rows of a matrix, as one Numba kernel.

    PyTensor links ``Softmax`` and ``LogSoftmax`` as separate functions whose
    inner graphs it rewrites in its own mode, without the kernels of this module:
    their ``exp`` stays a scalar libm call, and each step allocates an array. This
    op takes the rows' maxima, then ``exp64`` over the whole block in one
    vectorized loop, then the rows' totals (float32 in float64, rounded once);
    NaN and infinite rows come out as NumPy's. It appears only in compiled Numba
    graphs (the rewrite of
    :func:`~sklearn_pylearn.symbolic.fastmath.fast_math_mode` puts it there,
    after gradients are taken), so it has no gradient of its own.

    Parameters
    ----------
    log : bool, default=False
        Log-softmax instead of softmax.

    Examples
    --------
    >>> import numpy as np
    >>> import pytensor.tensor as pt
    >>> from sklearn_pylearn.symbolic.compile import compile_function
    >>> x = pt.matrix("x")
    >>> f = compile_function([x], pt.special.softmax(x, axis=1))
    >>> "RowSoftmax" in f.graph_str()
    True
    >>> f(np.array([[0.0, np.log(3.0)]])).round(6)
    array([[0.25, 0.75]])
    """

    __props__ = ("log",)

    def __init__(self, log: bool = False):
        self.log = bool(log)

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        z = np.asarray(inputs[0], dtype=np.float64)
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        out = shifted - np.log(total) if self.log else e / total
        output_storage[0][0] = out.astype(inputs[0].dtype)


@register_funcify_and_cache_key(RowSoftmax)
def _numba_row_softmax(op, node, **kwargs):
    log = op.log
    dtype = node.outputs[0].type.dtype
    # The dtype is in the key: the float32 function differs (it rounds).
    key = f"sklearn_pylearn.fastmath.row_softmax.{log}.{dtype}.v{KERNEL_VERSION}"
    if dtype == "float64":

        @numba.njit(cache=False)
        def row_softmax(z):
            return _row_softmax(z, log)

    else:

        @numba.njit(cache=False)
        def row_softmax(z):
            return _row_softmax(z, log).astype(np.float32)

    return row_softmax, key


@node_rewriter([Softmax, LogSoftmax])
def _row_softmax_op(fgraph, node):
    if type(node.op) not in (Softmax, LogSoftmax):
        return None
    (x,) = node.inputs
    if x.type.ndim != 2 or x.type.dtype not in _FLOAT_DTYPES:
        return None
    if tuple(node.op.axis or ()) not in ((1,), (-1,)):
        return None
    return [RowSoftmax(log=type(node.op) is LogSoftmax)(x)]


# Off by default (no "fast_run" tag): fast_math_mode includes it for Numba modes.
optdb.register(
    REWRITE_NAME,
    in2out(
        _use_fast_kernels,
        _contiguous_expand_dims,
        _contiguous_transpose,
        _row_softmax_op,
    ),
    REWRITE_TAG,
    position=48.6,
)


def fast_math_mode(mode: str | Mode | None) -> str | Mode | None:
    """Return ``mode`` with the fast-kernel rewrite when it links with Numba.

    Parameters
    ----------
    mode : str, Mode or None
        A PyTensor compile mode (None: PyTensor's default).

    Returns
    -------
    mode : str, Mode or None
        ``mode`` itself when it does not link with Numba (the C and Python
        backends keep their own implementations), else a Mode including the
        rewrite, linked by
        :class:`~sklearn_pylearn.symbolic._numba_linker.DirectNumbaLinker`
        (the graph's function compiled once, as its own entry point).

    Examples
    --------
    :func:`~sklearn_pylearn.symbolic.compile.compile_function` applies it:

    >>> import numpy as np
    >>> import pytensor.tensor as pt
    >>> from sklearn_pylearn.symbolic.compile import compile_function
    >>> x = pt.vector("x")
    >>> f = compile_function([x], pt.tanh(x))
    >>> "fast_tanh" in f.graph_str().lower()
    True
    >>> bool(np.allclose(f(np.array([-1.0, 0.0, 2.0])), np.tanh([-1.0, 0.0, 2.0])))
    True
    """
    resolved = get_mode(mode)
    if not isinstance(resolved.linker, NumbaLinker):
        return mode
    from ._numba_linker import DirectNumbaLinker

    including = resolved.including(REWRITE_TAG)
    linker = DirectNumbaLinker(
        allow_gc=resolved.linker.allow_gc, schedule=resolved.linker._scheduler
    )
    return Mode(linker=linker, optimizer=including.provided_optimizer)
