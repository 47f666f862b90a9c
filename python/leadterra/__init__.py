"""leadterra: the Leadterra campaign engine from Python.

A pure-Python binding over the engine's C API (libleadterra_c, leadterra.h)
through ctypes::

    import leadterra

    with leadterra.open("outreach.db") as engine:
        engine.create_workspace("ws_main", "Main")
        engine.create_campaign("ws_main", "camp_q3", "Q3", steps=[{"subject": "Hi {{firstName}}", "body": "..."}])
        engine.bulk_upsert("camp_q3", [{"email": "ava@acmecorp.com", "firstName": "Ava"}])
        engine.start_campaign("camp_q3")
        for message in engine.send_loop():
            ...  # send it
            engine.mark_sent(message["id"])

Results are dicts of the C API's JSON (camelCase keys); failures raise a
subclass of LeadterraError carrying the lt_status as ``code``.
"""

from .engine import DEFAULT_CHUNK_SIZE, LIBRARY_PATH, Engine, open, render_step, status_name, timestamp, version
from .errors import (Busy, Conflict, EngineClosed, InternalError, InvalidArgument, InvalidToken, LeadterraError,
                     NoSteps, NotFound, OutOfMemory, SchemaTooNew, StorageError)

__version__ = "0.1.0"

__all__ = [
    "Engine", "open", "render_step", "version", "status_name", "timestamp", "LIBRARY_PATH", "DEFAULT_CHUNK_SIZE",
    "LeadterraError", "NotFound", "InvalidArgument", "Conflict", "NoSteps", "Busy", "StorageError",
    "SchemaTooNew", "InvalidToken", "OutOfMemory", "InternalError", "EngineClosed",
]
