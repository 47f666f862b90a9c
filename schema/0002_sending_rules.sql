-- 0002_sending_rules: per-campaign time zone, send window and daily cap;
-- idempotency keys of bulk upserts; handouts per campaign and day for caps.

ALTER TABLE campaigns ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
-- Bit i (0 = Monday .. 6 = Sunday) set: a window opens that day. NULL: no window.
ALTER TABLE campaigns ADD COLUMN window_days INTEGER;
ALTER TABLE campaigns ADD COLUMN window_start_hour INTEGER;
ALTER TABLE campaigns ADD COLUMN window_end_hour INTEGER;
ALTER TABLE campaigns ADD COLUMN daily_cap INTEGER;

-- A bulk upsert's key, the fingerprint of its payload (mode and rows) and its
-- result as JSON. Rows older than Options::idempotencyTtl are ignored and
-- purged.
CREATE TABLE idempotency_keys (
  campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
  key          TEXT NOT NULL,
  fingerprint  TEXT NOT NULL,
  result       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);

-- Messages handed out by claimDue per campaign and calendar day ('YYYY-MM-DD'
-- in the campaign's time zone), for daily caps.
CREATE TABLE daily_handouts (
  campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
  day          TEXT NOT NULL,
  handed       INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, day)
) WITHOUT ROWID;
