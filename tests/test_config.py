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
