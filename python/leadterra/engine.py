"""Engine: one open database file, over the C API's lt_engine."""

import ctypes
import datetime as _dt
import itertools
import json
import threading
import time

from . import _lib
from .errors import EngineClosed, from_status

_LIB, LIBRARY_PATH = _lib.load()
# Compact, ASCII (non-ASCII as \u escapes: the C encoder's fastest path, and
# then str.encode is a copy), no cycle check (rows are plain data).
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, check_circular=False).encode
_loads = json.loads

#: Rows per C call when bulk_upsert is given an iterator (one transaction each).
DEFAULT_CHUNK_SIZE = 5000


# ---- conversions -------------------------------------------------------

def _b(value):
    """A Python value as a C string argument (None stays NULL)."""
    if value is None:
        return None
    if isinstance(value, (_dt.datetime, _dt.date)):
        value = timestamp(value)
    return str(value).encode("utf-8")


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _doc(base=None, **fields):
    """A JSON object argument: ``base`` (a dict, or None) with the keyword
    fields laid over it, snake_case names turned into the C API's camelCase,
    None values left out. None when there is nothing."""
    doc = dict(base) if base else {}
    for key, value in fields.items():
        if value is not None:
            doc[_camel(key)] = timestamp(value) if isinstance(value, _dt.datetime) else value
    return doc


def _json(doc):
    return None if doc is None else _dumps(doc).encode("utf-8")


def timestamp(value):
    """A datetime (naive: taken as UTC) or a string, as the engine's
    "2025-06-10T15:00:00Z"."""
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, _dt.date):
        return value.isoformat() + "T00:00:00Z"
    raise TypeError("a timestamp must be a datetime or a string, not %r" % (value,))


def _check(status):
    if status != 0:
        # lt_errmsg is thread-local: read on this thread, right after the call.
        raise from_status(status, _LIB.lt_errmsg().decode("utf-8", "replace"))


def _take(out):
    """The JSON text of a char** output, parsed, and the buffer freed."""
    try:
        return _loads(ctypes.string_at(out.value).decode("utf-8"))
    finally:
        _LIB.lt_free(out)


def _call(fn, *args):
    out = ctypes.c_void_p()
    _check(fn(*args, ctypes.byref(out)))
    return _take(out)


def version():
    """The C library's version, "0.1.0"."""
    return _LIB.lt_version().decode()


def status_name(code):
    """The name of an lt_status: "ok", "not_found", ..., "unknown"."""
    return _LIB.lt_status_name(code).decode()


def render_step(step, lead):
    """The step (a dict: subject, body, format, delayDays) rendered for the
    lead a bulk upsert would enroll from ``lead`` (a dict). Needs no engine.
    Returns {"subject", "body", "missingTokens"}."""
    return _call(_LIB.lt_render_step, _json(step), _json(lead))


def _entries(entries):
    if isinstance(entries, str):
        entries = [entries]
    items = [_b(e) for e in entries]
    return (ctypes.c_char_p * len(items))(*items), len(items)


# The counts of a bulk result that chunks add up.
_COUNTS = ("enrolled", "updated", "skipped", "failed", "queued", "skippedActiveElsewhere", "skippedRecentlyContacted")
# Counts the C API leaves out when they are 0.
_OPTIONAL_COUNTS = ("skippedActiveElsewhere", "skippedRecentlyContacted")


def _merge(total, part, offset):
    """Adds the bulk result of one chunk (rows from ``offset``) to ``total``."""
    if total is None:
        total = {k: v for k, v in part.items()}
        total["errors"] = []
        total["rows"] = [] if "rows" in part else None
        total["missingTokens"] = {}
        total["unknownFields"] = {}
        for key in _COUNTS:
            total[key] = 0
    for key in _COUNTS:
        total[key] = total.get(key, 0) + part.get(key, 0)
    total["totalInCampaign"] = part.get("totalInCampaign", total.get("totalInCampaign"))
    for key in ("missingTokens", "unknownFields"):
        for name, count in (part.get(key) or {}).items():
            total[key][name] = total[key].get(name, 0) + count
    for err in part.get("errors") or []:
        total["errors"].append(dict(err, index=err.get("index", 0) + offset))
    if total.get("rows") is not None:
        for row in part.get("rows") or []:
            total["rows"].append(dict(row, index=row.get("index", 0) + offset))
    for key in ("dryRun", "replayed"):
        if key in part:
            total[key] = bool(total.get(key)) and bool(part[key]) if offset else bool(part[key])
    return total


def _tidy(total):
    """Leaves out of a merged result the keys the C API leaves out when empty."""
    for key in ("rows", "missingTokens", "unknownFields"):
        if not total.get(key) and key in total:
            if key != "rows" or total[key] is None:
                del total[key]
    for key in _OPTIONAL_COUNTS:
        if not total.get(key):
            total.pop(key, None)
    return total


class Engine:
    """One open database file. Open with :func:`leadterra.open` or
    :meth:`Engine.open`; close with :meth:`close` or a ``with`` block.

    An Engine may be shared between threads (the engine serializes its
    calls; the GIL is released during each). Every result is a dict (or a
    list of dicts) of the JSON the C API returns, keys in camelCase as in the
    C API and the command-line tool. Failures raise :class:`LeadterraError`
    subclasses."""

    def __init__(self, handle, path, clock_callback=None):
        self._handle = handle
        self.path = path
        self._clock_callback = clock_callback  # kept alive until close
        self._cond = threading.Condition()
        self._active = 0

    # ---- opening and closing ----

    @classmethod
    def open(cls, path, *, clock=None, create_if_missing=None, busy_timeout_ms=None, cache_size_kib=None,
             wal_autocheckpoint_pages=None, full_sync=None, idempotency_ttl_seconds=None,
             event_log=None, event_max_age_seconds=None, event_max_count=None, now=None):
        """Opens (or creates) the database file at ``path``.

        ``now`` (a datetime or "2025-06-10T15:00:00Z") fixes the engine's
        clock; ``clock``, a callable returning a datetime or seconds since
        the epoch, is a clock the program moves (lt_open_with_clock): it is
        called inside engine calls and must not call the engine."""
        options = _doc(create_if_missing=create_if_missing, busy_timeout_ms=busy_timeout_ms,
                       wal_autocheckpoint_pages=wal_autocheckpoint_pages, full_sync=full_sync,
                       idempotency_ttl_seconds=idempotency_ttl_seconds,
                       event_log=event_log, event_max_age_seconds=event_max_age_seconds,
                       event_max_count=event_max_count, now=now)
        if cache_size_kib is not None:
            options["cacheSizeKiB"] = cache_size_kib
        handle = ctypes.c_void_p()
        location = _b(str(path))
        callback = None
        if clock is None:
            _check(_LIB.lt_open_with(location, _json(options) if options else None, ctypes.byref(handle)))
        else:
            if now is not None:
                raise TypeError("give either now= or clock=, not both")
            last = [0]

            def read_clock(_user_data):
                try:
                    value = clock()
                    if isinstance(value, _dt.datetime):
                        if value.tzinfo is None:
                            value = value.replace(tzinfo=_dt.timezone.utc)
                        value = value.timestamp()
                    last[0] = int(value)
                except Exception:  # a C callback cannot raise: keep the last time read
                    pass
                return last[0]

            callback = _lib.CLOCK_FN(read_clock)
            _check(_LIB.lt_open_with_clock(location, _json(options) if options else None, callback, None,
                                           ctypes.byref(handle)))
        return cls(handle.value, str(path), callback)

    def close(self):
        """Closes the engine; waits for calls running in other threads. A
        second close does nothing; any other use afterwards raises
        :class:`EngineClosed`."""
        with self._cond:
            handle, self._handle = self._handle, None
            self._cond.wait_for(lambda: self._active == 0)
        if handle is not None:
            _LIB.lt_close(handle)
            self._clock_callback = None

    @property
    def closed(self):
        return self._handle is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            if getattr(self, "_handle", None) is not None:
                self.close()
        except Exception:
            pass

    def __repr__(self):
        return "<leadterra.Engine %r%s>" % (self.path, " closed" if self.closed else "")

    # ---- plumbing ----

    def _enter(self):
        with self._cond:
            if self._handle is None:
                raise EngineClosed("the engine is closed")
            self._active += 1
            return self._handle

    def _leave(self):
        with self._cond:
            self._active -= 1
            if self._active == 0:
                self._cond.notify_all()

    def _run(self, name, *args):
        handle = self._enter()
        try:
            return _call(getattr(_LIB, name), handle, *args)
        finally:
            self._leave()

    # ---- workspaces and campaigns ----

    def create_workspace(self, id=None, name=None, *, rules=None, reply_stops_all_campaigns=None,
                         frequency_cap=None):
        """A new workspace (``id`` None: "ws_" + a ULID). Returns the workspace.
        ``frequency_cap``: {"maxSends": K, "perDays": M} (docs/dispatch.md)."""
        doc = _doc(rules, reply_stops_all_campaigns=reply_stops_all_campaigns, frequency_cap=frequency_cap)
        return self._run("lt_create_workspace", _b(id), _b(name), _json(doc) if doc else None)

    def get_workspace(self, id):
        return self._run("lt_get_workspace", _b(id))

    def set_workspace_rules(self, workspace_id, rules=None, *, reply_stops_all_campaigns=None, frequency_cap=None):
        """Lays the rules given over the workspace's current ones.
        ``frequency_cap``: {"maxSends": K, "perDays": M}; to remove a cap,
        pass ``rules={"frequencyCap": None}``."""
        return self._run("lt_set_workspace_rules", _b(workspace_id),
                         _json(_doc(rules, reply_stops_all_campaigns=reply_stops_all_campaigns,
                                    frequency_cap=frequency_cap)))

    def create_campaign(self, workspace_id, id=None, name=None, steps=None, *, time_zone=None, send_window=None,
                        daily_cap=None):
        """A new campaign (``id`` None: "camp_" + a ULID). ``steps``: a list
        of step dicts ({"subject", "body", "format", "delayDays"}) or a whole
        steps document. Returns the campaign."""
        if isinstance(steps, dict):
            doc = _doc(steps, time_zone=time_zone, send_window=send_window, daily_cap=daily_cap)
        elif steps is None and time_zone is None and send_window is None and daily_cap is None:
            doc = None
        else:
            doc = _doc({"steps": list(steps or [])}, time_zone=time_zone, send_window=send_window,
                       daily_cap=daily_cap)
        return self._run("lt_create_campaign", _b(workspace_id), _b(id), _b(name), _json(doc))

    def get_campaign(self, campaign_id, *, scope=None):
        return self._run("lt_get_campaign", _b(campaign_id), _b(scope))

    def add_step(self, campaign_id, step=None, *, subject=None, body=None, format=None, delay_days=None,
                 scope=None):
        """Appends a step (a dict, or the keyword fields). Returns the campaign."""
        doc = _doc(step, subject=subject, body=body, format=format, delay_days=delay_days)
        return self._run("lt_add_step", _b(campaign_id), _json(doc), _b(scope))

    def replace_step(self, campaign_id, step_number, step=None, *, subject=None, body=None, format=None,
                     delay_days=None, scope=None):
        doc = _doc(step, subject=subject, body=body, format=format, delay_days=delay_days)
        return self._run("lt_replace_step", _b(campaign_id), int(step_number), _json(doc), _b(scope))

    def remove_step(self, campaign_id, step_number, *, scope=None):
        return self._run("lt_remove_step", _b(campaign_id), int(step_number), _b(scope))

    def set_step_variants(self, campaign_id, step_number, variants, *, winner_rule=None, scope=None):
        """Replaces one step's variants (a list of dicts {"label", "subject",
        "body", "weight"}) and winner rule (a dict {"minSendsPerVariant",
        "minHours"}), at any status. Returns the campaign."""
        doc = {"variants": list(variants)}
        if winner_rule is not None:
            doc["winnerRule"] = winner_rule
        return self._run("lt_set_step_variants", _b(campaign_id), int(step_number), _json(doc), _b(scope))

    def step_winners(self, campaign_id, *, scope=None):
        """The variants winner rules picked: a list of {"step", "variant",
        "decidedAt", "figures"}."""
        return self._run("lt_step_winners", _b(campaign_id), _b(scope))["winners"]

    def lint_steps(self, campaign_id, *, scope=None):
        """What in the steps is probably a mistake: a list of {"step",
        "variant", "field", "code", "message"}."""
        return self._run("lt_lint_steps", _b(campaign_id), _b(scope))["lint"]

    def preview_step(self, campaign_id, step_number, email, *, scope=None):
        """The step as queued for the lead: {"variant", "subject", "body"}."""
        return self._run("lt_preview_step", _b(campaign_id), int(step_number), _b(email), _b(scope))

    def set_schedule(self, campaign_id, schedule=None, *, time_zone=None, send_window=None, daily_cap=None,
                     scope=None):
        """The sending rules become exactly these (absent: UTC, any time, no cap)."""
        doc = _doc(schedule, time_zone=time_zone, send_window=send_window, daily_cap=daily_cap)
        return self._run("lt_set_schedule", _b(campaign_id), _json(doc), _b(scope))

    def set_stop_rules(self, campaign_id, rules=None, *, scope=None, **fields):
        """Lays the stop rules given (a dict, or keywords such as
        ``for_company=True``) over the campaign's current ones."""
        return self._run("lt_set_stop_rules", _b(campaign_id), _json(_doc(rules, **fields)), _b(scope))

    def start_campaign(self, campaign_id, *, scope=None):
        """Returns {"id", "status", "startedAt", "leadsEnrolled", "queuedMessages"}."""
        return self._run("lt_start_campaign", _b(campaign_id), _b(scope))

    def pause_campaign(self, campaign_id, *, scope=None):
        return self._run("lt_pause_campaign", _b(campaign_id), _b(scope))

    # ---- leads ----

    def bulk_upsert(self, campaign_id, leads, *, mode=None, dry_run=None, idempotency_key=None, details=None,
                    skip_active_elsewhere=None, skip_contacted_within_days=None, scope=None,
                    chunk_size=DEFAULT_CHUNK_SIZE):
        """Upserts leads (dicts as in a bulk body: {"email", "firstName", ...}).

        A list or tuple is one C call: one transaction, all or nothing.
        Any other iterable (a generator, a csv.DictReader) is streamed in
        chunks of ``chunk_size`` rows, one call and one transaction each, so
        that memory stays bounded; the result is the chunks' results added
        up (error and row indexes count from the first row of the stream).
        With an iterable, ``idempotency_key`` K becomes "K:0", "K:1", ... per
        chunk, so the same stream retried with the same key replays the
        chunks already written.

        ``skip_active_elsewhere`` and ``skip_contacted_within_days`` (N days)
        keep new emails out because of the workspace's other campaigns
        (docs/enroll.md, cross-campaign rules)."""
        options = _doc(mode=mode, dry_run=dry_run, idempotency_key=idempotency_key, details=details,
                       skip_active_elsewhere=skip_active_elsewhere,
                       skip_contacted_within_days=skip_contacted_within_days)
        if isinstance(leads, (list, tuple)):
            return self._run("lt_bulk_upsert", _b(campaign_id), _dumps({"leads": leads}).encode("utf-8"),
                             _json(options) if options else None, _b(scope))
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        rows = iter(leads)
        total = None
        offset = 0
        number = 0
        while True:
            chunk = list(itertools.islice(rows, chunk_size))
            if not chunk and total is not None:
                return _tidy(total)
            if idempotency_key is not None:
                options["idempotencyKey"] = "%s:%d" % (idempotency_key, number)
            part = self._run("lt_bulk_upsert", _b(campaign_id), _dumps({"leads": chunk}).encode("utf-8"),
                             _json(options) if options else None, _b(scope))
            total = _merge(total, part, offset)
            offset += len(chunk)
            number += 1
            if not chunk:
                return _tidy(total)

    def get_lead(self, campaign_id, email, *, scope=None):
        return self._run("lt_get_lead", _b(campaign_id), _b(email), _b(scope))

    # ---- listing (limit 0: every item from `after` on) ----

    def list_workspaces(self, *, limit=0, after=None):
        """{"workspaces": [...], "nextCursor"}."""
        return self._run("lt_list_workspaces", int(limit), _b(after))

    def list_campaigns(self, workspace_id, *, limit=0, after=None, scope=None):
        """{"campaigns": [...], "nextCursor"}."""
        return self._run("lt_list_campaigns", _b(workspace_id), int(limit), _b(after), _b(scope))

    def list_leads(self, campaign_id, *, status=None, updated_since=None, limit=0, after=None, scope=None):
        """{"leads": [...], "nextCursor"}."""
        return self._run("lt_list_leads", _b(campaign_id), _b(status), _b(updated_since), int(limit), _b(after),
                         _b(scope))

    def count_leads(self, campaign_id, *, scope=None):
        """{"campaignId", "total", "byStatus": {...}}."""
        return self._run("lt_count_leads", _b(campaign_id), _b(scope))

    # ---- export ----

    def export_leads(self, campaign_id, sink, *, format="csv", status=None, updated_since=None, scope=None):
        """Streams the campaign's leads as CSV or JSON Lines (UTF-8 bytes) to
        ``sink``, a binary file (anything with ``write``) or a callable taking
        bytes, a page at a time: memory does not grow with the campaign. The
        sink must not call this engine. An exception the sink raises stops the
        export and is raised here as it was. Returns how many leads were written."""
        write = sink.write if hasattr(sink, "write") else sink
        raised = []

        def piece(data, size, _user):
            try:
                write(ctypes.string_at(data, size))
                return 0
            except BaseException as e:  # noqa: BLE001 - raised again once the C call has returned
                raised.append(e)
                return 1

        callback = _lib.SINK_FN(piece)
        try:
            result = self._run("lt_export_leads", _b(campaign_id), _b(format), _b(status), _b(updated_since),
                               callback, None, _b(scope))
        except Exception:
            if raised:
                raise raised[0] from None
            raise
        return result["leads"]

    # ---- suppression ----

    def add_suppressions(self, workspace_id, entries):
        """``entries``: emails or domains ("ava@acme.com", "@acme.com"), or one string."""
        array, count = _entries(entries)
        return self._run("lt_add_suppressions", _b(workspace_id), array, count)

    def remove_suppressions(self, workspace_id, entries):
        array, count = _entries(entries)
        return self._run("lt_remove_suppressions", _b(workspace_id), array, count)

    def remove_suppressions_by(self, workspace_id, reason, *, since=None, until=None):
        return self._run("lt_remove_suppressions_by", _b(workspace_id), _b(reason), _b(since), _b(until))

    def list_suppressions(self, workspace_id, *, reason=None, since=None, until=None):
        """{"entries": [...]}, oldest first."""
        return self._run("lt_list_suppressions", _b(workspace_id), _b(reason), _b(since), _b(until))

    # ---- outbox ----

    def list_messages(self, campaign_id, *, status=None, updated_since=None, limit=0, after=None, scope=None):
        """{"messages": [...], "nextCursor"}."""
        return self._run("lt_list_messages", _b(campaign_id), _b(status), _b(updated_since), int(limit),
                         _b(after), _b(scope))

    def claim_due(self, limit=50, lease_seconds=300, *, scope=None):
        """Hands out up to ``limit`` due messages under a lease: a list of
        message dicts ({"id", "email", "subject", "body", "step", ...})."""
        return self._run("lt_claim_due", int(limit), int(lease_seconds), _b(scope))["messages"]

    def send_loop(self, *, batch=50, lease_seconds=300, scope=None, poll_interval=None, stop=None):
        """Yields due messages one by one, claiming ``batch`` at a time.

        Mark each one with :meth:`mark_sent` or :meth:`mark_failed` (a
        message left unmarked is handed out again once its lease expires).
        With ``poll_interval`` None the loop ends when a claim comes back
        empty; otherwise it sleeps that many seconds and claims again until
        ``stop`` (a threading.Event, or any object with is_set()) is set.
        Several loops, in threads or processes, may run at once: a message
        is handed to one of them only."""
        while stop is None or not stop.is_set():
            messages = self.claim_due(batch, lease_seconds, scope=scope)
            if not messages:
                if poll_interval is None:
                    return
                if stop is not None:
                    stop.wait(poll_interval)
                else:
                    time.sleep(poll_interval)
                continue
            yield from messages

    def mark_sent(self, message_id, *, scope=None):
        return self._run("lt_mark_sent", _b(message_id), _b(scope))

    def mark_failed(self, message_id, reason="", *, retryable=False, scope=None):
        """``retryable`` True: queued again with backoff; False: permanent,
        the lead bounces."""
        return self._run("lt_mark_failed", _b(message_id), _b(reason or ""), 1 if retryable else 0, _b(scope))

    def mark_replied(self, campaign_id, email, *, scope=None):
        """{"lead": {...}, "messagesCancelled"}."""
        return self._run("lt_mark_replied", _b(campaign_id), _b(email), _b(scope))

    # ---- signals ----

    def report_signal(self, kind, *, message_id=None, workspace_id=None, email=None, campaign_id=None,
                      external_id=None, detail=None, until=None, scope=None):
        """Records a signal: ``kind`` "reply", "autoReply", "bounceHard",
        "bounceSoft", "complaint", "unsubscribe", "click" or "open", about a
        ``message_id``, or a ``workspace_id`` and ``email``."""
        doc = _doc({"kind": kind}, message_id=message_id, workspace_id=workspace_id, email=email,
                   campaign_id=campaign_id, external_id=external_id, detail=detail, until=until)
        return self._run("lt_report_signal", _json(doc), _b(scope))

    # ---- events ----

    def events(self, workspace_id, *, after_cursor=0, limit=100, kinds=None, campaign_id=None, scope=None):
        """The workspace's events after ``after_cursor``, oldest first:
        {"events": [{"cursor", "at", "kind", "workspaceId", ...}], "cursor"}.
        Pass the returned "cursor" as the next ``after_cursor``. ``kinds``:
        an iterable of event kinds ("message_sent", ...), None for all."""
        query = _doc(after_cursor=int(after_cursor), limit=int(limit), campaign_id=campaign_id)
        if kinds is not None:
            query["kinds"] = list(kinds)
        return self._run("lt_events", _b(workspace_id), _json(query), _b(scope))

    def follow_events(self, workspace_id, *, after_cursor=0, batch=100, kinds=None, campaign_id=None, scope=None,
                      poll_interval=None, stop=None):
        """Yields the workspace's events one by one from ``after_cursor`` on,
        reading ``batch`` at a time. Store each event's "cursor" once it is
        handled and resume from it: delivery is at least once. With
        ``poll_interval`` None the generator ends when it has caught up;
        otherwise it sleeps that many seconds and reads again until ``stop``
        (a threading.Event, or any object with is_set()) is set."""
        cursor = after_cursor
        while stop is None or not stop.is_set():
            page = self.events(workspace_id, after_cursor=cursor, limit=batch, kinds=kinds,
                               campaign_id=campaign_id, scope=scope)
            yield from page["events"]
            caught_up = page["cursor"] == cursor or len(page["events"]) < batch
            cursor = page["cursor"]
            if caught_up:
                if poll_interval is None:
                    return
                if stop is not None:
                    stop.wait(poll_interval)
                else:
                    time.sleep(poll_interval)

    # ---- unsubscribe links ----

    def set_unsubscribe_settings(self, workspace_id, *, base_url=None, mailto=None, scope=None):
        return self._run("lt_set_unsubscribe_settings", _b(workspace_id), _b(base_url), _b(mailto), _b(scope))

    def get_unsubscribe_settings(self, workspace_id, *, scope=None):
        return self._run("lt_get_unsubscribe_settings", _b(workspace_id), _b(scope))

    def rotate_unsubscribe_secret(self, workspace_id, *, scope=None):
        """Replaces the workspace's secret: every link made before fails. Returns None."""
        handle = self._enter()
        try:
            _check(_LIB.lt_rotate_unsubscribe_secret(handle, _b(workspace_id), _b(scope)))
        finally:
            self._leave()

    def unsubscribe_link(self, campaign_id, email, *, scope=None):
        """{"token", "url"}."""
        return self._run("lt_unsubscribe_link", _b(campaign_id), _b(email), _b(scope))

    def apply_unsubscribe(self, token, *, scope=None):
        return self._run("lt_apply_unsubscribe", _b(token), _b(scope))

    # ---- import ----

    def import_file(self, campaign_id, path, *, format=None, delimiter=None, columns=None, batch_size=None,
                    mode=None, rejects_path=None, kept_errors=None, skip_active_elsewhere=None,
                    skip_contacted_within_days=None, scope=None):
        """Streams a .csv, .tsv or .jsonl file into the campaign in batches
        (the engine reads the file itself). Returns the bulk result of all batches."""
        doc = _doc(format=format, delimiter=delimiter, columns=columns, batch_size=batch_size, mode=mode,
                   rejects_path=None if rejects_path is None else str(rejects_path), kept_errors=kept_errors,
                   skip_active_elsewhere=skip_active_elsewhere,
                   skip_contacted_within_days=skip_contacted_within_days)
        return self._run("lt_import_file", _b(campaign_id), _b(str(path)), _json(doc) if doc else None, _b(scope))

    def preview_file(self, campaign_id, path, *, rows=10, format=None, delimiter=None, columns=None,
                     batch_size=None, mode=None, skip_active_elsewhere=None, skip_contacted_within_days=None,
                     scope=None):
        """What importing the first ``rows`` rows would do, writing nothing."""
        doc = _doc(format=format, delimiter=delimiter, columns=columns, batch_size=batch_size, mode=mode,
                   skip_active_elsewhere=skip_active_elsewhere,
                   skip_contacted_within_days=skip_contacted_within_days)
        return self._run("lt_preview_file", _b(campaign_id), _b(str(path)), _json(doc) if doc else None,
                         int(rows), _b(scope))

    # ---- rendering ----

    render_step = staticmethod(render_step)


def open(path, **options):  # noqa: A001 - the module's entry point, as sqlite3.connect
    """Opens (or creates) the database file at ``path``: an :class:`Engine`.
    Keyword options as :meth:`Engine.open`."""
    return Engine.open(path, **options)
