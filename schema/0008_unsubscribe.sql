-- 0008_unsubscribe: each workspace's unsubscribe settings, and the secret
-- that signs its unsubscribe links.
--
-- A row exists once the workspace's settings were first set: the secret is
-- made then (32 random bytes), kept when the settings change and replaced
-- only by a rotation, which makes every link signed with the old one fail.
-- base_url: the https address of the one-click link ('' : no link); mailto:
-- the normalized address of the List-Unsubscribe mailto: form ('' : none).
CREATE TABLE unsubscribe_settings (
  workspace_id  TEXT PRIMARY KEY REFERENCES workspaces(id),
  secret        BLOB NOT NULL CHECK (length(secret) = 32),
  base_url      TEXT NOT NULL DEFAULT '',
  mailto        TEXT NOT NULL DEFAULT '',
  updated_at    INTEGER NOT NULL
) WITHOUT ROWID;
