import numba
import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from sklearn_pylearn.symbolic import fastmath
from sklearn_pylearn.symbolic.compile import compile_function
from sklearn_pylearn.symbolic.fastmath import (
    FAST_OPS,
    KERNELS,
    ContiguousExpandDims,
    ContiguousTranspose,
    RowSoftmax,
    fast_math_mode,
)

REFERENCES = {
    "exp": (pt.exp, np.exp),
    "expm1": (pt.expm1, np.expm1),
    "log": (pt.log, np.log),
    "log1p": (pt.log1p, np.log1p),
    "tanh": (pt.tanh, np.tanh),
    "sigmoid": (pt.sigmoid, lambda x: _sigmoid(x)),
    "softplus": (pt.softplus, lambda x: np.logaddexp(np.zeros_like(x), x)),
}


def _sigmoid(x):
    # scipy's expit gives 0 below -709 (its exp(-x) overflows); this is exact there.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


SPECIALS = [
    0.0,
    -0.0,
    np.inf,
    -np.inf,
    np.nan,
    -np.nan,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.0,
    0.34657359027997264,
    -0.34657359027997264,
    0.3465,
    0.3466,
    1.4142135623730951,
    0.7071067811865476,
    709.782712893384,
    709.79,
    710.0,
    -708.39,
    -708.4,
    -745.13,
    -745.14,
    -746.0,
    18.0,
    33.3,
    36.8,
    37.0,
    -37.0,
    1e-300,
    -1e-300,
    1e-20,
    -1e-20,
    1e-8,
    -1e-8,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e300,
    -1e300,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    -0.9999999999,
    -1.0,
    -1.5,
    20.0,
    -20.0,
    22.0,
    40.0,
    88.72,
    88.73,
    -87.33,
    -103.98,
    -104.0,
]


def _values(dtype, n=200_000, seed=0):
    """Random bit patterns (every exponent, subnormals, both signs) and specials."""
    rng = np.random.default_rng(seed)
    itype = np.int64 if dtype == np.float64 else np.int32
    info = np.iinfo(itype)
    bits = rng.integers(info.min, info.max, n, dtype=itype, endpoint=True)
    everywhere = bits.view(dtype)
    moderate = rng.uniform(-60, 60, n).astype(dtype)
    small = (rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(-12, 0, n)).astype(dtype)
    with np.errstate(over="ignore"):
        specials = np.array(SPECIALS, dtype=dtype)
    return np.concatenate([everywhere, moderate, small, specials])


def _compiled(name, dtype):
    graph_fn, _ = REFERENCES[name]
    x = pt.vector("x", dtype=np.dtype(dtype).name)
    fn = pytensor.function([x], graph_fn(x), mode=fast_math_mode(None))
    ops = [type(node.op.scalar_op).__name__ for node in fn.maker.fgraph.toposort()]
    assert any(op.startswith("Fast") for op in ops), ops
    return fn


def _ulps(a, b):
    """Distance in float32 units in the last place (same sign, finite)."""
    ia = a.view(np.int32).astype(np.int64)
    ib = b.view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    return np.abs(ia - ib)


def _check_specials(got, want):
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    inf = np.isinf(want)
    np.testing.assert_array_equal(got[inf], want[inf])
    zero = want == 0
    np.testing.assert_array_equal(got[zero], want[zero])
    return ~(np.isnan(want) | inf | zero)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_float64_within_1e_14_relative_of_numpy(name):
    x = _values(np.float64)
    with np.errstate(all="ignore"):
        want = REFERENCES[name][1](x)
    got = _compiled(name, np.float64)(x)
    finite = _check_specials(got, want)
    # Subnormal results carry fewer digits: allow two of their units there.
    tol = np.maximum(1e-14 * np.abs(want[finite]), 2 * 5e-324)
    bad = np.abs(got[finite] - want[finite]) > tol
    assert not bad.any(), (x[finite][bad][:5], got[finite][bad][:5])


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_float32_within_1_ulp_of_numpy_rounded(name):
    # The reference is NumPy's float64 result rounded to float32: NumPy's own
    # float32 log is up to 3 ulp away from it.
    x = _values(np.float32)
    with np.errstate(all="ignore"):
        want = REFERENCES[name][1](x.astype(np.float64)).astype(np.float32)
    got = _compiled(name, np.float32)(x)
    assert got.dtype == np.float32
    finite = _check_specials(got, want)
    ulps = _ulps(got[finite], want[finite])
    assert ulps.max() <= 1, x[finite][np.argmax(ulps)]


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_kernels_keep_signed_zero_and_nan(name):
    fn = _compiled(name, np.float64)
    x = np.array([-0.0, 0.0, np.nan])
    with np.errstate(all="ignore"):
        want = REFERENCES[name][1](x)
    got = fn(x)
    assert np.isnan(got[2])
    np.testing.assert_array_equal(np.signbit(got[:2]), np.signbit(want[:2]))


def test_gradients_are_the_base_ops():
    x = pt.vector("x")
    base = pt.tanh(x).owner.op.scalar_op
    fast = FAST_OPS[type(base)](base.output_types_preference)
    y = pt.elemwise.Elemwise(fast)(x)
    g = pytensor.function([x], pytensor.grad(y.sum(), x), mode="FAST_COMPILE")
    np.testing.assert_allclose(g(np.array([0.3])), 1 - np.tanh(0.3) ** 2)


def test_compile_function_uses_fast_kernels():
    x = pt.matrix("x")
    fn = compile_function([x], pt.tanh(x) + pt.sigmoid(x))
    assert "fast_tanh" in fn.graph_str() and "fast_sigmoid" in fn.graph_str()


def test_other_backends_keep_their_mode():
    assert fast_math_mode("FAST_COMPILE") == "FAST_COMPILE"
    x = pt.vector("x")
    fn = pytensor.function([x], pt.exp(x), mode=fast_math_mode("FAST_COMPILE"))
    assert "Fast" not in str(fn.maker.fgraph.toposort())


def test_integer_inputs_are_left_alone():
    x = pt.vector("x", dtype="int64")
    fn = pytensor.function([x], pt.exp(x), mode=fast_math_mode(None))
    np.testing.assert_allclose(fn(np.array([0, 1])), np.exp([0, 1]))


@pytest.mark.parametrize("expand", [lambda v: v[None, :], lambda v: v[:, None]])
def test_expand_dims_become_contiguous_reshapes(expand):
    x, v = pt.matrix("x"), pt.vector("v")
    fn = compile_function([x, v], pt.tanh(x + expand(v)))
    ops = [type(node.op) for node in fn.fn.maker.fgraph.toposort()]
    assert ContiguousExpandDims in ops
    data = np.arange(12.0).reshape(3, 4) / 10
    strided = np.arange(8.0)[::2] / 10  # a non-contiguous vector still works
    vec = strided if expand(v).type.shape[0] == 1 else strided[:3]
    np.testing.assert_allclose(fn(data, vec), np.tanh(data + expand(vec)))


def _transposed_dots():
    a, b, m = pt.matrix("a"), pt.matrix("b"), pt.matrix("m")
    # a.T @ b and m @ a.T read a's transpose; a.T * 2 is an elementwise use.
    return compile_function([a, b, m], [pt.dot(a.T, b), pt.dot(m, a.T), a.T * 2.0])


def test_transposes_feeding_dots_become_contiguous():
    fgraph = _transposed_dots().fn.maker.fgraph
    dots = [n for n in fgraph.toposort() if type(n.op).__name__ == "Dot"]
    fed = [type(v.owner.op) for n in dots for v in n.inputs if v.owner is not None]
    assert fed == [ContiguousTranspose, ContiguousTranspose]
    for node in fgraph.toposort():
        if type(node.op) is ContiguousTranspose:
            clients = [c for c, _ in fgraph.clients[node.outputs[0]]]
            assert all(type(c.op).__name__ == "Dot" for c in clients)


@pytest.mark.parametrize("layout", ["C", "F", "column_slice", "strided_rows"])
def test_transposed_dots_match_numpy_for_any_layout(layout):
    fn = _transposed_dots()
    rng = np.random.default_rng(0)
    base = rng.normal(size=(6, 8))
    a = {
        "C": base[:, :4].copy(),
        "F": np.asfortranarray(base[:, :4]),
        "column_slice": base[:, :4],  # neither C nor F contiguous: copied once
        "strided_rows": base[::2, :4],
    }[layout]
    b = rng.normal(size=(len(a), 5))
    m = rng.normal(size=(3, 4))
    at_b, m_at, twice = fn(a, b, m)
    np.testing.assert_allclose(at_b, a.T @ b, rtol=1e-12)
    np.testing.assert_allclose(m_at, m @ a.T, rtol=1e-12)
    np.testing.assert_array_equal(twice, a.T * 2.0)


def test_transposed_dots_float32():
    a, b = pt.matrix("a", dtype="float32"), pt.matrix("b", dtype="float32")
    fn = compile_function([a, b], pt.dot(b, a.T))
    rng = np.random.default_rng(1)
    A = rng.normal(size=(50, 30)).astype(np.float32)
    B = rng.normal(size=(7, 30)).astype(np.float32)
    out = fn(A, B)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, B @ A.T, rtol=1e-5)


def _softmax_ref(z, log):
    z = z.astype(np.float64)
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    return shifted - np.log(total) if log else e / total


def _softmax_fn(log, dtype="float64"):
    x = pt.matrix("x", dtype=dtype)
    fn = pt.special.log_softmax if log else pt.special.softmax
    compiled = compile_function([x], fn(x, axis=1))
    ops = [type(node.op) for node in compiled.fn.maker.fgraph.toposort()]
    assert RowSoftmax in ops, ops
    return compiled


@pytest.mark.parametrize("log", [False, True])
def test_row_softmax_matches_numpy(log):
    rng = np.random.default_rng(0)
    z = np.concatenate(
        [rng.normal(size=(300, 7)), rng.normal(scale=300.0, size=(300, 7))]
    )
    got = _softmax_fn(log)(z)
    np.testing.assert_allclose(got, _softmax_ref(z, log), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("log", [False, True])
def test_row_softmax_keeps_nan_and_infinite_rows_as_numpy(log):
    z = np.array(
        [[0.0, np.nan, 1.0], [-np.inf, 0.0, 1.0], [np.inf, 0.0, 1.0], [-np.inf] * 3]
    )
    with np.errstate(all="ignore"):
        want = _softmax_ref(z, log)
    got = _softmax_fn(log)(z)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = ~np.isnan(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-14)


@pytest.mark.parametrize("log", [False, True])
def test_row_softmax_float32_is_rounded_once(log):
    z = np.random.default_rng(1).normal(scale=5.0, size=(200, 10)).astype(np.float32)
    got = _softmax_fn(log, "float32")(z)
    assert got.dtype == np.float32
    want = _softmax_ref(z, log).astype(np.float32)
    assert _ulps(got, want).max() <= 1


def test_softmax_over_other_axes_is_left_to_pytensor():
    x = pt.matrix("x")
    fn = compile_function([x], pt.special.softmax(x, axis=0))
    ops = [type(node.op) for node in fn.fn.maker.fgraph.toposort()]
    assert RowSoftmax not in ops
    z = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(fn(z), _softmax_ref(z.T, False).T)


@pytest.mark.parametrize("log", [False, True])
def test_row_softmax_python_implementation(log):
    x = pt.matrix("x")
    fn = pytensor.function([x], RowSoftmax(log)(x), mode="FAST_COMPILE")
    z = np.random.default_rng(2).normal(size=(4, 3))
    np.testing.assert_allclose(fn(z), _softmax_ref(z, log), rtol=1e-14)


def test_kernel_version_ignores_docs_but_not_code():
    from pathlib import Path

    from sklearn_pylearn.symbolic import fastmath

    source = Path(fastmath.__file__).read_text()
    assert fastmath.code_digest(source) == fastmath.KERNEL_VERSION
    edited_doc = source.replace("fdlibm's polynomials", "the polynomials of fdlibm")
    commented = source.replace("_LOG2E = ", "# a comment\n_LOG2E = ", 1)
    assert edited_doc != source and commented != source
    assert fastmath.code_digest(edited_doc) == fastmath.KERNEL_VERSION
    assert fastmath.code_digest(commented) == fastmath.KERNEL_VERSION
    changed = source.replace("_LOG2E = 1.4426950408889634", "_LOG2E = 1.44269504")
    assert changed != source
    assert fastmath.code_digest(changed) != fastmath.KERNEL_VERSION


def test_exp_narrow_is_accurate_to_1e_8_relative():
    # What float32 results need; 1 ulp of float32 is 6e-8 relative at most.
    x = np.concatenate([np.linspace(-110.0, 90.0, 200_001), [-0.0, 0.0, 1e-30]])
    got = np.array([fastmath.exp_narrow(v) for v in x])
    assert np.max(np.abs(got - np.exp(x)) / np.exp(x)) < 1e-8
    assert np.isnan(fastmath.exp_narrow(np.nan))


def test_exp_nonpositive_is_accurate_to_1e_14_relative():
    # sigmoid64 rests on it: below -708 its results are subnormal.
    x = np.concatenate([-np.geomspace(1e-300, 760.0, 200_001), [-0.0, 0.0]])
    got = np.array([fastmath._exp_nonpositive(v) for v in x])
    want = np.exp(x)
    np.testing.assert_array_equal(got[want == 0], 0.0)
    tol = np.maximum(1e-14 * want, 5e-324)
    assert (np.abs(got - want) <= tol).all()


@numba.njit(cache=False)
def _sigmoid32_worst_ulps(start, stop, stride):
    # Every stride-th float32 bit pattern: the largest distance, in ulp, of
    # sigmoid32 from sigmoid64 rounded once (the correctly rounded result but in
    # the rarest near-ties), and where it is.
    worst, where = 0, np.float32(0.0)
    for b in range(start, stop, stride):
        x = np.array([b], dtype=np.int32).view(np.float32)[0]
        got = fastmath.sigmoid32(x)
        want = np.float32(fastmath.sigmoid64(np.float64(x)))
        ia = np.array([got]).view(np.int32)[0]
        ib = np.array([want]).view(np.int32)[0]
        if x == x and abs(np.int64(ia) - np.int64(ib)) > worst:
            worst, where = abs(np.int64(ia) - np.int64(ib)), x
    return worst, where


def test_sigmoid32_is_within_1_ulp_in_float32_arithmetic():
    # One bit pattern in 61 of each sign, every exponent (subnormals too): about
    # 70 million inputs. Every finite float32 was checked once (4.3e9 inputs,
    # about 2.5 min): 1 ulp at most, as here.
    for start in (0, -(2**31)):
        worst, where = _sigmoid32_worst_ulps(start, start + 0x7F800001, 61)
        assert worst <= 1, where
    assert fastmath.sigmoid32.nopython_signatures[0].return_type == numba.float32
    x = np.float32
    assert fastmath.sigmoid32(x(0.0)) == 0.5 and fastmath.sigmoid32(x(-0.0)) == 0.5
    assert fastmath.sigmoid32(x(np.inf)) == 1.0
    assert fastmath.sigmoid32(x(-np.inf)) == 0.0
    assert np.isnan(fastmath.sigmoid32(x(np.nan)))
    assert fastmath.sigmoid32(x(-103.0)) > 0.0  # subnormal, not flushed


def test_float32_results_use_their_own_kernels():
    x = pt.vector("x", dtype="float32")
    exp_node = pt.exp(x).owner
    sig_node = pt.sigmoid(x).owner
    fast_exp = FAST_OPS[type(exp_node.op.scalar_op)]
    fast_sig = FAST_OPS[type(sig_node.op.scalar_op)]
    exp_kernel, exp_key = fastmath._numba_kernel(fast_exp(None), exp_node)
    sig_kernel, sig_key = fastmath._numba_kernel(fast_sig(None), sig_node)
    # exp: computed in float64 by the narrow kernel and rounded once.
    assert exp_kernel is fastmath._FLOAT32_CACHE[fastmath.exp_narrow]
    # sigmoid: float32 arithmetic, called directly.
    assert sig_kernel is fastmath.sigmoid32
    assert exp_key.endswith(fastmath.KERNEL_VERSION) and ".float32." in sig_key
    _compiled("sigmoid", np.float32)(np.array([0.5], dtype=np.float32))
