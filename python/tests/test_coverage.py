"""Every function of leadterra.h has a Python counterpart.

The header is read, not a list kept by hand: a function added to the C API
without a Python method fails this test."""
import ctypes
import inspect
import re

import leadterra
from leadterra import _lib
from conftest import ROOT

HEADER = ROOT / "include" / "leadterra" / "leadterra.h"

# The C functions that are not an engine operation, and what stands for them.
NOT_METHODS = {
    "lt_open": leadterra.open,                 # leadterra.open(path) / Engine.open
    "lt_open_with": leadterra.Engine.open,     # ... with keyword options
    "lt_open_with_clock": leadterra.Engine.open,  # ... with clock=
    "lt_close": leadterra.Engine.close,        # also the end of a with block
    "lt_version": leadterra.version,
    "lt_status_name": leadterra.status_name,
    "lt_errmsg": leadterra.LeadterraError,     # the message of every exception
    "lt_free": None,                           # done by the binding after every call
}


def c_functions():
    text = HEADER.read_text()
    names = re.findall(r"^LT_API\s+[^;(]*?\b(lt_\w+)\s*\(", text, re.M)
    assert len(names) >= 40, "the header's functions were not found"
    return names


def test_every_c_function_has_a_python_method():
    missing = []
    for name in c_functions():
        if name in NOT_METHODS:
            continue
        method = getattr(leadterra.Engine, name[3:], None)
        if method is None or not callable(method):
            missing.append(name)
    assert not missing, "C functions without an Engine method: " + ", ".join(missing)


def test_every_c_function_is_declared_for_ctypes():
    assert sorted(c_functions()) == sorted(_lib.PROTOTYPES)


def test_arguments_are_keywords_and_snake_case():
    for name in c_functions():
        if name in NOT_METHODS:
            continue
        method = getattr(leadterra.Engine, name[3:])
        for param in inspect.signature(method).parameters.values():
            assert param.kind != param.POSITIONAL_ONLY, (name, param.name)
            assert param.name == param.name.lower(), (name, param.name)
        if "const char* scope" in _declaration(name):
            assert "scope" in inspect.signature(method).parameters, name


def _declaration(name):
    text = HEADER.read_text()
    start = text.index(name + "(")
    return text[start:text.index(";", start)]


def test_calls_release_the_gil():
    # A CDLL (not a PyDLL) function releases the GIL for the foreign call.
    from leadterra import engine
    assert type(engine._LIB) is ctypes.CDLL
    assert not engine._LIB._func_flags_ & ctypes._FUNCFLAG_PYTHONAPI
