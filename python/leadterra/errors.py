"""The exceptions: one class per lt_status of leadterra.h."""


class LeadterraError(Exception):
    """A call of the engine failed. ``code`` is the lt_status (an int),
    ``name`` its name ("not_found", ...), ``message`` the engine's text."""

    code = None
    name = "error"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self):
        return "%s: %s" % (self.name, self.message)


class NotFound(LeadterraError):
    """LT_NOT_FOUND: no such workspace, campaign, step, lead or message (or out of scope)."""
    code, name = 1, "not_found"


class InvalidArgument(LeadterraError):
    """LT_INVALID_ARGUMENT: malformed arguments (a bad id, entry, step, JSON value)."""
    code, name = 2, "invalid_argument"


class Conflict(LeadterraError):
    """LT_CONFLICT: contradicts stored state (a duplicate id, editing a running campaign)."""
    code, name = 3, "conflict"


class NoSteps(LeadterraError):
    """LT_NO_STEPS: a campaign without steps cannot start."""
    code, name = 4, "no_steps"


class Busy(LeadterraError):
    """LT_BUSY: another writer held the database past the busy timeout."""
    code, name = 5, "busy"


class StorageError(LeadterraError):
    """LT_STORAGE_ERROR: the file could not be read or written."""
    code, name = 6, "storage_error"


class SchemaTooNew(LeadterraError):
    """LT_SCHEMA_TOO_NEW: the file was written by a newer version of the library."""
    code, name = 7, "schema_too_new"


class InvalidToken(LeadterraError):
    """LT_INVALID_TOKEN: an unsubscribe token that is malformed, altered or another workspace's."""
    code, name = 8, "invalid_token"


class OutOfMemory(LeadterraError):
    """LT_OUT_OF_MEMORY: memory ran out inside the library; nothing was written."""
    code, name = 100, "out_of_memory"


class InternalError(LeadterraError):
    """LT_INTERNAL: an unexpected failure inside the library (a bug to report)."""
    code, name = 101, "internal"


class EngineClosed(InvalidArgument):
    """The engine was used after close() (raised by the binding; no C call is made)."""


BY_CODE = {cls.code: cls for cls in (NotFound, InvalidArgument, Conflict, NoSteps, Busy, StorageError,
                                      SchemaTooNew, InvalidToken, OutOfMemory, InternalError)}


def from_status(code, message):
    cls = BY_CODE.get(code)
    if cls is None:
        err = LeadterraError(message, code)
        err.name = "unknown"
        return err
    return cls(message)
