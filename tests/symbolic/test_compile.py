"""The structural compile cache: sharing by structure, misses on new structure."""

import numpy as np
import pytensor.tensor as pt
import pytest
from sklearn.base import clone

from sklearn_pylearn import compile_stats, config_context
from sklearn_pylearn.exceptions import CompileError
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn_pylearn.symbolic.compile import compile_function, structural_key


def _delta(before):
    after = compile_stats()
    return {k: after[k] - before[k] for k in ("compiles", "hits")}


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    return rng.normal(size=(50, 4)), rng.normal(3.0, 2.0, size=(60, 4))


def test_two_scalers_fitted_on_different_data_share_one_compile(data):
    A, B = data
    StandardScaler().fit(A).transform(A)  # make sure the structure is cached
    before = compile_stats()
    a, b = StandardScaler().fit(A), StandardScaler().fit(B)
    ta, tb = a.transform(A), b.transform(B)
    assert _delta(before) == {"compiles": 0, "hits": 2}
    assert not np.allclose(a.mean_, b.mean_)
    np.testing.assert_allclose(tb.mean(axis=0), 0.0, atol=1e-12)
    assert ta.shape == A.shape


def test_clone_and_refit_hits_the_cache(data):
    A, B = data
    scaler = StandardScaler().fit(A)
    scaler.transform(A)
    before = compile_stats()
    clone(scaler).fit(B).transform(B)
    assert _delta(before) == {"compiles": 0, "hits": 1}


def test_different_structure_misses_the_cache(data):
    A, _ = data
    with config_context(compile_mode="FAST_COMPILE"):
        StandardScaler().fit(A).transform(A)
        before = compile_stats()
        StandardScaler(with_mean=False).fit(A).transform(A)
        assert _delta(before)["compiles"] == 1
        MinMaxScaler(clip=True).fit(A).transform(A)
        assert _delta(before)["compiles"] == 2


def test_compile_mode_is_part_of_the_key(data):
    A, _ = data
    scaler = StandardScaler().fit(A)
    expected = scaler.transform(A)
    before = compile_stats()
    with config_context(compile_mode="FAST_COMPILE"):
        np.testing.assert_allclose(scaler.transform(A), expected)
        scaler.transform(A)
    delta = _delta(before)
    assert delta["compiles"] <= 1 and delta["compiles"] + delta["hits"] == 2


@pytest.mark.parametrize(
    "dtype, expected",
    [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_output_dtype_follows_input(dtype, expected):
    X = (np.arange(12).reshape(6, 2) % 5).astype(dtype)
    out = StandardScaler().fit(X).transform(X)
    assert out.dtype == expected


def test_float32_and_float64_are_different_structures():
    x32, x64 = pt.matrix("x", dtype="float32"), pt.matrix("x", dtype="float64")
    assert structural_key([x32], [pt.tanh(x32)]) != structural_key(
        [x64], [pt.tanh(x64)]
    )


def test_key_ignores_variable_names_and_identity():
    a, b = pt.matrix("a"), pt.matrix("zzz")
    m1, m2 = pt.vector("m"), pt.vector("other")
    assert structural_key([a, m1], [a - m1]) == structural_key([b, m2], [b - m2])
    assert structural_key([a, m1], [a - m1]) != structural_key([a, m1], [a + m1])


def test_key_sees_constant_values_and_wiring():
    x, y = pt.matrix("x"), pt.matrix("y")
    assert structural_key([x], [x * 2.0]) != structural_key([x], [x * 3.0])
    assert structural_key([x, y], [x - y]) != structural_key([x, y], [y - x])


def test_free_variable_is_a_clear_error():
    x, free = pt.matrix("x"), pt.matrix("free")
    with pytest.raises(CompileError, match="neither an input nor a constant"):
        compile_function([x], x + free)


def test_compiled_function_checks_arity_and_prints_graph():
    x = pt.matrix("x")
    fn = compile_function([x], pt.exp(x), name="exp")
    with pytest.raises(TypeError, match="takes 1 inputs, got 2"):
        fn(np.ones((1, 1)), np.ones((1, 1)))
    assert "Exp" in fn.graph_str() or "exp" in fn.graph_str().lower()


def test_multiple_outputs_return_a_list():
    x = pt.vector("x")
    fn = compile_function([x], [x + 1, x * 2])
    lo, hi = fn(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(lo, [2.0, 3.0])
    np.testing.assert_array_equal(hi, [2.0, 4.0])


def test_compile_stats_counts_compile_seconds(data):
    A, _ = data
    with config_context(compile_mode="FAST_COMPILE"):
        before = compile_stats()
        MinMaxScaler(feature_range=(-1, 1)).fit(A).inverse_transform(A)
    stats = compile_stats()
    assert stats["compile_seconds"] >= before["compile_seconds"]
    assert set(stats) >= {"compiles", "hits", "compile_seconds", "cached_functions"}


def test_trust_input_is_part_of_the_cache_key_and_still_converts_dtypes():
    import pytensor.tensor as pt

    from sklearn_pylearn.symbolic.compile import compile_function

    x, s = pt.vector("x"), pt.scalar("s")
    checking = compile_function([x, s], x * s)
    trusting = compile_function([x, s], x * s, trust_input=True)
    assert trusting is not checking and trusting.fn.trust_input
    assert not checking.fn.trust_input
    assert compile_function([x, s], x * s, trust_input=True) is trusting
    out = trusting(np.array([1.0, 2.0], dtype="float32"), 3)  # converted
    np.testing.assert_array_equal(out, [3.0, 6.0])
    with pytest.raises(TypeError, match="takes 2 inputs, got 1"):
        trusting(np.ones(2))


def test_current_mode_key_follows_the_config():
    from sklearn_pylearn import config_context
    from sklearn_pylearn.symbolic.compile import current_mode_key

    with config_context(compile_mode="FAST_COMPILE"):
        assert current_mode_key() == "FAST_COMPILE"
    assert current_mode_key().startswith("default:")


def test_random_generator_input_passes_through_unchanged():
    from pytensor.tensor.random.type import random_generator_type

    rng = random_generator_type("rng")
    x = pt.vector("x")
    next_rng, u = rng.uniform(size=x.shape)
    fn = compile_function([x, rng], [next_rng, x + u])
    assert fn.input_dtypes == ("float64", None)
    gen = np.random.default_rng(0)
    before = gen.bit_generator.state
    new_gen, out = fn(np.zeros(3), gen)
    expected = np.random.default_rng(0).uniform(size=3)
    np.testing.assert_array_equal(out, expected)
    # The generator passed in is not advanced: the next state comes back as an output.
    assert gen.bit_generator.state == before
    assert new_gen.bit_generator.state != before
