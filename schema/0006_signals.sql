-- 0006_signals: what happened after a send (signals), and why each
-- suppression entry is on the list.
--
-- A signal is recorded once: a provider's event id (external_id) repeated in
-- one workspace is found by signals_by_external_id and changes nothing.
-- campaign_id, lead_seq and message_seq are NULL where the signal named no
-- message (an unsubscribe by mail names a workspace and an address).
CREATE TABLE signals (
  seq           INTEGER PRIMARY KEY,
  id            TEXT NOT NULL,
  workspace_id  TEXT NOT NULL REFERENCES workspaces(id),
  campaign_id   TEXT REFERENCES campaigns(id),
  lead_seq      INTEGER REFERENCES leads(seq),
  message_seq   INTEGER REFERENCES messages(seq),
  email         TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind = 'reply' OR kind = 'bounceHard' OR kind = 'bounceSoft'
                                  OR kind = 'complaint' OR kind = 'unsubscribe' OR kind = 'click'
                                  OR kind = 'open'),
  external_id   TEXT,
  detail        TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX signals_by_external_id ON signals(workspace_id, external_id) WHERE external_id IS NOT NULL;
-- An address's recent signals of one kind (soft bounces counted toward a hard one).
CREATE INDEX signals_by_address ON signals(workspace_id, email, kind, created_at);

-- The signals on one message (hard bounces among a campaign's recent sends).
CREATE INDEX signals_by_message ON signals(message_seq) WHERE message_seq IS NOT NULL;

-- Why a paused campaign is paused: 'manual' (pauseCampaign) or
-- 'bounceProtection' (it paused itself); NULL unless paused.
ALTER TABLE campaigns ADD COLUMN pause_reason TEXT
  CHECK (pause_reason IS NULL OR pause_reason = 'manual' OR pause_reason = 'bounceProtection');
UPDATE campaigns SET pause_reason = 'manual' WHERE status = 'paused';

-- Entries added before this migration were added by a call: 'manual'.
ALTER TABLE suppressions ADD COLUMN reason TEXT NOT NULL DEFAULT 'manual'
  CHECK (reason = 'manual' OR reason = 'hardBounce' OR reason = 'softBounces' OR reason = 'complaint'
         OR reason = 'unsubscribe');
-- Listing and removing a workspace's entries by reason and time.
CREATE INDEX suppressions_by_reason ON suppressions(workspace_id, reason, created_at);
ALTER TABLE suppressions ADD COLUMN campaign_id TEXT;
ALTER TABLE suppressions ADD COLUMN message_id TEXT;
