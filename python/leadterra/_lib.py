"""Loading libleadterra_c and declaring the C functions of leadterra.h.

The library is looked for, in this order:

1. the file named by the environment variable LEADTERRA_LIBRARY;
2. the build tree of the source checkout this package is imported from
   (``<checkout>/build/libleadterra_c.so``), for working on the engine;
3. the system's dynamic loader: ``libleadterra_c.so.0`` as installed by
   ``cmake --install`` (with LD_LIBRARY_PATH, or after ldconfig).
"""

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path

_SONAME_MAJOR = "0"


def _candidates():
    explicit = os.environ.get("LEADTERRA_LIBRARY")
    if explicit:
        # Only this one: a variable that names a missing file is an error,
        # not a reason to pick up some other library silently.
        yield explicit
        return
    checkout = Path(__file__).resolve().parent.parent.parent
    for name in ("libleadterra_c.so", "libleadterra_c.dylib", "leadterra_c.dll"):
        built = checkout / "build" / name
        if built.exists():
            yield str(built)
    if sys.platform == "darwin":
        yield "libleadterra_c.%s.dylib" % _SONAME_MAJOR
    elif sys.platform != "win32":
        yield "libleadterra_c.so." + _SONAME_MAJOR
    found = ctypes.util.find_library("leadterra_c")
    if found:
        yield found


def load():
    errors = []
    for candidate in _candidates():
        try:
            lib = ctypes.CDLL(candidate)
        except OSError as exc:
            errors.append("%s: %s" % (candidate, exc))
            continue
        _declare(lib)
        if os.sep in candidate:
            candidate = os.path.abspath(candidate)
        return lib, candidate
    raise ImportError(
        "leadterra: cannot load the C library libleadterra_c (set LEADTERRA_LIBRARY to its path, "
        "or install it where the dynamic loader finds it); tried: " + "; ".join(errors or ["nothing found"])
    )


# The C types of leadterra.h.
c_status = ctypes.c_int
c_str = ctypes.c_char_p
c_out = ctypes.POINTER(ctypes.c_void_p)  # char**: kept as a pointer, freed with lt_free
c_i64 = ctypes.c_int64
c_size = ctypes.c_size_t
c_engine = ctypes.c_void_p
c_engine_out = ctypes.POINTER(ctypes.c_void_p)
c_entries = ctypes.POINTER(ctypes.c_char_p)

CLOCK_FN = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p)
# lt_sink_fn: the data as a pointer (not c_char_p, which would stop at a NUL
# byte and copy), its size, the user data.
SINK_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)

# Every function of leadterra.h: name -> (restype, argtypes). The test suite
# checks this table, and the Engine's methods, against the header.
PROTOTYPES = {
    "lt_status_name": (ctypes.c_char_p, [c_status]),
    "lt_errmsg": (ctypes.c_char_p, []),
    "lt_free": (None, [ctypes.c_void_p]),
    "lt_version": (ctypes.c_char_p, []),
    "lt_open": (c_status, [c_str, c_engine_out]),
    "lt_open_with": (c_status, [c_str, c_str, c_engine_out]),
    "lt_open_with_clock": (c_status, [c_str, c_str, CLOCK_FN, ctypes.c_void_p, c_engine_out]),
    "lt_close": (None, [c_engine]),
    "lt_create_workspace": (c_status, [c_engine, c_str, c_str, c_str, c_out]),
    "lt_get_workspace": (c_status, [c_engine, c_str, c_out]),
    "lt_set_workspace_rules": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_create_campaign": (c_status, [c_engine, c_str, c_str, c_str, c_str, c_out]),
    "lt_get_campaign": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_add_step": (c_status, [c_engine, c_str, c_str, c_str, c_out]),
    "lt_replace_step": (c_status, [c_engine, c_str, c_i64, c_str, c_str, c_out]),
    "lt_remove_step": (c_status, [c_engine, c_str, c_i64, c_str, c_out]),
    "lt_set_step_variants": (c_status, [c_engine, c_str, c_i64, c_str, c_str, c_out]),
    "lt_step_winners": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_lint_steps": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_preview_step": (c_status, [c_engine, c_str, c_i64, c_str, c_str, c_out]),
    "lt_set_schedule": (c_status, [c_engine, c_str, c_str, c_str, c_out]),
    "lt_set_stop_rules": (c_status, [c_engine, c_str, c_str, c_str, c_out]),
    "lt_start_campaign": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_pause_campaign": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_bulk_upsert": (c_status, [c_engine, c_str, c_str, c_str, c_str, c_out]),
    "lt_get_lead": (c_status, [c_engine, c_str, c_str, c_str, c_out]),
    "lt_list_workspaces": (c_status, [c_engine, c_i64, c_str, c_out]),
    "lt_list_campaigns": (c_status, [c_engine, c_str, c_i64, c_str, c_str, c_out]),
    "lt_list_leads": (c_status, [c_engine, c_str, c_str, c_str, c_i64, c_str, c_str, c_out]),
    "lt_count_leads": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_export_leads": (c_status, [c_engine, c_str, c_str, c_str, c_str, SINK_FN, ctypes.c_void_p, c_str, c_out]),
    "lt_add_suppressions": (c_status, [c_engine, c_str, c_entries, c_size, c_out]),
    "lt_remove_suppressions": (c_status, [c_engine, c_str, c_entries, c_size, c_out]),
    "lt_remove_suppressions_by": (c_status, [c_engine, c_str, c_str, c_str, c_str, c_out]),
    "lt_list_suppressions": (c_status, [c_engine, c_str, c_str, c_str, c_str, c_out]),
    "lt_list_messages": (c_status, [c_engine, c_str, c_str, c_str, c_i64, c_str, c_str, c_out]),
    "lt_claim_due": (c_status, [c_engine, c_i64, c_i64, c_str, c_out]),
    "lt_mark_sent": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_mark_failed": (c_status, [c_engine, c_str, c_str, ctypes.c_int, c_str, c_out]),
    "lt_mark_replied": (c_status, [c_engine, c_str, c_str, c_str, c_out]),
    "lt_report_signal": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_events": (c_status, [c_engine, c_str, c_str, c_str, c_out]),
    "lt_set_unsubscribe_settings": (c_status, [c_engine, c_str, c_str, c_str, c_str, c_out]),
    "lt_get_unsubscribe_settings": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_rotate_unsubscribe_secret": (c_status, [c_engine, c_str, c_str]),
    "lt_unsubscribe_link": (c_status, [c_engine, c_str, c_str, c_str, c_out]),
    "lt_apply_unsubscribe": (c_status, [c_engine, c_str, c_str, c_out]),
    "lt_import_file": (c_status, [c_engine, c_str, c_str, c_str, c_str, c_out]),
    "lt_preview_file": (c_status, [c_engine, c_str, c_str, c_str, c_size, c_str, c_out]),
    "lt_render_step": (c_status, [c_str, c_str, c_out]),
}


def _declare(lib):
    for name, (restype, argtypes) in PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
