-- 0010_events: the event log (docs/events.md).
--
-- One row per event, appended in the transaction of the change it records.
-- cursor is AUTOINCREMENT: a cursor is never used twice, even after the
-- newest events were pruned, so a reader's stored cursor stays meaningful.
-- Writers are serialized by the database's write lock, so cursors are
-- committed in order: a reader that saw cursor N never later finds a new
-- event below N.
--
-- No foreign keys: an event outlives the rows it names. No personal data:
-- ids, a step, a variant label, one word of detail, and counts as JSON.
CREATE TABLE events (
  cursor        INTEGER PRIMARY KEY AUTOINCREMENT,
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

-- Message and lead events are written by triggers, so that no path that
-- changes a message's or a lead's status can forget its event, and a bulk
-- path pays no round trip for them. A migration that rebuilds messages or
-- leads must create these again.
CREATE TRIGGER events_message_insert AFTER INSERT ON messages
BEGIN
  INSERT INTO events (at, workspace_id, kind, campaign_id, lead_id, message_id, step, variant)
  SELECT NEW.created_at, c.workspace_id, 'message_' || NEW.status, NEW.campaign_id,
         (SELECT l.id FROM leads l WHERE l.seq = NEW.lead_seq), NEW.id, NEW.step, NEW.variant
  FROM campaigns c WHERE c.id = NEW.campaign_id;
END;

-- A status change, or a claim again after an expired lease (attempts grows).
-- claimed -> queued is a retryable failure queued again: message_failed,
-- detail 'retry'.
CREATE TRIGGER events_message_update AFTER UPDATE OF status, attempts ON messages
WHEN NEW.status IS NOT OLD.status OR NEW.attempts > OLD.attempts
BEGIN
  INSERT INTO events (at, workspace_id, kind, campaign_id, lead_id, message_id, step, variant, detail)
  SELECT NEW.updated_at, c.workspace_id,
         CASE WHEN OLD.status = 'claimed' AND NEW.status = 'queued' THEN 'message_failed'
              ELSE 'message_' || NEW.status END,
         NEW.campaign_id, (SELECT l.id FROM leads l WHERE l.seq = NEW.lead_seq), NEW.id, NEW.step, NEW.variant,
         CASE WHEN OLD.status = 'claimed' AND NEW.status = 'queued' THEN 'retry' END
  FROM campaigns c WHERE c.id = NEW.campaign_id;
END;

CREATE TRIGGER events_lead_status AFTER UPDATE OF status ON leads
WHEN NEW.status IS NOT OLD.status
BEGIN
  INSERT INTO events (at, workspace_id, kind, campaign_id, lead_id, detail)
  SELECT NEW.updated_at, c.workspace_id, 'lead_status', NEW.campaign_id, NEW.id, NEW.status
  FROM campaigns c WHERE c.id = NEW.campaign_id;
END;
