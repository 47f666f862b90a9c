-- 0001_initial: workspaces, campaigns and their steps, leads, suppressions, messages.
--
-- The on-disk format is API. Enumerations are stored by name (status columns);
-- never rename a stored value. Times are INTEGER seconds since the Unix epoch, UTC.
--
-- CHECK constraints on enumerations are written as OR chains: SQLite 3.40
-- evaluates an IN list of three or more values through a temporary b-tree,
-- built again for every row written, which tripled the cost of an insert.

CREATE TABLE workspaces (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE campaigns (
  id            TEXT PRIMARY KEY,
  workspace_id  TEXT NOT NULL REFERENCES workspaces(id),
  name          TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status = 'draft' OR status = 'running' OR status = 'paused'),
  created_at    INTEGER NOT NULL,
  started_at    INTEGER,
  lead_count    INTEGER NOT NULL DEFAULT 0  -- leads enrolled, kept by bulk upserts (leads are never deleted)
);
CREATE INDEX campaigns_by_workspace ON campaigns(workspace_id);

CREATE TABLE steps (
  campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
  step         INTEGER NOT NULL CHECK (step >= 1),  -- 1-based
  subject      TEXT NOT NULL,
  body         TEXT NOT NULL,
  format       TEXT NOT NULL CHECK (format IN ('text', 'html')),
  delay_days   REAL NOT NULL CHECK (delay_days >= 0),
  PRIMARY KEY (campaign_id, step)
) WITHOUT ROWID;

-- seq is the internal key (messages refer to it); id is the public "lead_" ULID.
-- The only secondary index is the dedup key: bulk upserts are the hot path.
-- Suppressions find an email through it (one probe per campaign of the
-- workspace) and a domain by a scan of the workspace's leads (rare).
CREATE TABLE leads (
  seq            INTEGER PRIMARY KEY,
  id             TEXT NOT NULL,
  campaign_id    TEXT NOT NULL REFERENCES campaigns(id),
  email          TEXT NOT NULL,
  first_name     TEXT,
  last_name      TEXT,
  company        TEXT,
  job_title      TEXT,
  custom_fields  TEXT NOT NULL DEFAULT '{}',
  position       INTEGER NOT NULL DEFAULT 0,
  status         TEXT NOT NULL CHECK (status = 'active' OR status = 'completed' OR status = 'suppressed'
                                   OR status = 'replied' OR status = 'bounced'),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  UNIQUE (campaign_id, email)
);

-- entry: a normalized email ("ava@acme.com") or domain ("acme.com").
CREATE TABLE suppressions (
  workspace_id  TEXT NOT NULL REFERENCES workspaces(id),
  entry         TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('email', 'domain')),
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, entry)
) WITHOUT ROWID;

CREATE TABLE messages (
  seq           INTEGER PRIMARY KEY,
  id            TEXT NOT NULL UNIQUE,
  campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
  lead_seq      INTEGER NOT NULL REFERENCES leads(seq),
  step          INTEGER NOT NULL,
  subject       TEXT NOT NULL,
  body          TEXT NOT NULL,
  format        TEXT NOT NULL CHECK (format IN ('text', 'html')),
  status        TEXT NOT NULL CHECK (status = 'queued' OR status = 'claimed' OR status = 'sent'
                                  OR status = 'failed' OR status = 'cancelled'),
  scheduled_at  INTEGER NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  lease_until   INTEGER,
  sent_at       INTEGER,
  last_error    TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
-- A lead never has two messages for one step (cancelled ones aside: a lead
-- suppressed and later resumed gets its unsent step again) ...
CREATE UNIQUE INDEX messages_one_per_step ON messages(lead_seq, step) WHERE status <> 'cancelled';
-- ... and never more than one message live (queued or claimed) at once.
CREATE UNIQUE INDEX messages_one_live ON messages(lead_seq) WHERE status IN ('queued', 'claimed');
-- claimDue: live messages in due order.
CREATE INDEX messages_due ON messages(scheduled_at) WHERE status IN ('queued', 'claimed');
CREATE INDEX messages_by_campaign ON messages(campaign_id, status);
