import threading

import pytest

from sklearn_pylearn import config_context, get_config, set_config


def test_config_context_restores_previous_value():
    assert get_config()["compile_mode"] is None
    with config_context(compile_mode="FAST_COMPILE"):
        assert get_config()["compile_mode"] == "FAST_COMPILE"
        with config_context(compile_mode="NUMBA"):
            assert get_config()["compile_mode"] == "NUMBA"
        assert get_config()["compile_mode"] == "FAST_COMPILE"
    assert get_config()["compile_mode"] is None


def test_config_is_thread_local():
    seen = []
    with config_context(compile_mode="FAST_COMPILE"):
        thread = threading.Thread(target=lambda: seen.append(get_config()))
        thread.start()
        thread.join()
    assert seen[0]["compile_mode"] is None


def test_set_config_rejects_non_string_mode():
    with pytest.raises(TypeError, match="compile_mode must be a PyTensor mode name"):
        set_config(compile_mode=3)


def test_set_config_rejects_unknown_mode_listing_the_valid_ones():
    with pytest.raises(
        ValueError, match=r"compile_mode='bogus' is not a PyTensor.*NUMBA"
    ):
        set_config(compile_mode="bogus")
    assert get_config()["compile_mode"] is None


def test_config_context_validates_when_called_not_when_entered():
    with pytest.raises(ValueError, match="FAST_COMPILE"):
        config_context(compile_mode="bogus")
    assert get_config()["compile_mode"] is None


@pytest.mark.parametrize("mode", ["fast_compile", "FAST_RUN", "NUMBA", "CVM"])
def test_known_modes_in_any_case_are_accepted(mode):
    with config_context(compile_mode=mode):
        assert get_config()["compile_mode"] == mode
