"""Reference strings, resolution and the trusted-name registry."""

import math
import os.path

import pytest

from sklearn_pylearn.runtime import (
    ProgramError,
    Ref,
    UntrustedReferenceError,
    register_trusted,
)
from sklearn_pylearn.runtime._refs import (
    check_context_name,
    check_trusted,
    function_ref,
    import_ref,
    is_import_ref,
    resolve,
    trusted_names,
)
from tests.runtime.fixtures import Recorder


class Holder:
    @classmethod
    def make(cls):
        return cls()

    @staticmethod
    def helper():
        return 1


def test_function_ref_of_importable_objects():
    assert function_ref(math.sqrt, "CALL") == "math:sqrt"
    assert function_ref(os.path.join, "CALL") == "posixpath:join"
    assert function_ref(Recorder, "CALL") == "tests.runtime.fixtures:Recorder"
    assert function_ref(Ref("model.W"), "CALL") == "model.W"
    assert is_import_ref("a.b:c") and not is_import_ref("a.b")


def test_function_ref_refuses_what_does_not_import_as_itself():
    def local():
        return 1

    local.__qualname__ = "not_there"
    local.__module__ = "math"
    with pytest.raises(TypeError, match="does not import as that object"):
        function_ref(local, "CALL")


def test_resolve_context_and_import_references():
    rec = Recorder(key=3)
    assert resolve("rec.key", {"rec": rec}, "x") == 3
    assert resolve("rec", {"rec": rec}, "x") is rec
    assert resolve("math:sqrt", {}, "x") is math.sqrt
    assert import_ref("os.path:join") is os.path.join


def test_ref_values():
    assert Ref("a") == Ref("a") and Ref("a") != Ref("b") and Ref("a") != "a"
    assert len({Ref("a"), Ref("a")}) == 1
    assert repr(Ref("m.W")) == "Ref('m.W')"
    with pytest.raises(ProgramError, match="expected a context reference"):
        Ref("pkg:name")


def test_context_names():
    assert check_context_name("f+g", "x") == "f+g"
    for bad in ("", "a.b", "a:b", "a b", 3):
        with pytest.raises(ProgramError, match="context names must be non-empty"):
            check_context_name(bad, "x")


def test_trusted_registry():
    assert "sklearn_pylearn.runtime.hooks:History" in trusted_names()
    register_trusted("json")
    check_trusted("json:loads", trusted_names(), "x")
    check_trusted("model.step", frozenset(), "x")  # context names need no trust
    extra = trusted_names([math.sqrt, "os.path:join"])
    assert {"math:sqrt", "os.path:join"} <= extra
    with pytest.raises(UntrustedReferenceError, match=r"trusted=\['pickle:loads'\]"):
        check_trusted("pickle:loads", trusted_names(), "the saved program")
    with pytest.raises(ValueError, match="expected 'module:qualname' or a module"):
        register_trusted("not a name")
