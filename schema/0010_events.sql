-- 0010_events: the event log (docs/events.md).
--
-- One row per event, appended in the transaction of the change it records.
-- cursor is the rowid: each event takes max + 1. Pruning never deletes the
-- newest event, so a cursor is never used twice and a reader's stored cursor
-- stays meaningful. (AUTOINCREMENT would promise the same at the price of a
-- write to sqlite_sequence per event, a tenth of a message's cost.) Writers are serialized by the database's write lock, so cursors are
-- committed in order: a reader that saw cursor N never later finds a new
-- event below N.
--
-- No foreign keys: an event outlives the rows it names. No personal data:
-- ids, a step, a variant label, one word of detail, and counts as JSON.
CREATE TABLE events (
  cursor        INTEGER PRIMARY KEY,
  at            INTEGER NOT NULL,
  workspace_id  TEXT NOT NULL,
  kind          TEXT NOT NULL,
  campaign_id   TEXT,
  lead_id       TEXT,
  message_id    TEXT,
  step          INTEGER,
  variant       TEXT,
  detail        TEXT,
  counts        TEXT  -- a JSON object of counts, or NULL
);
-- A host reads one workspace's events after its cursor.
CREATE INDEX events_by_workspace ON events(workspace_id, cursor);

-- Message status changes after the insert and lead status changes are
-- recorded by TEMP triggers that each connection of the engine creates when
-- it opens (src/store/sqlite/event_store.cpp), so that no path that changes a
-- status can forget its event; Options::eventLog = false creates none. A
-- message's insert is recorded by the engine itself, in a prepared statement:
-- the bulk path's hottest write pays no trigger.
