-- 0007_stop_rules: lead statuses that say what happened (unsubscribed, and
-- paused until a date after an out-of-office), the autoReply signal, stop
-- rules per campaign and per workspace, and the list of free-mail domains.
--
-- SQLite cannot change a CHECK constraint in place: leads and signals are
-- rebuilt (create, copy, drop, rename; the engine runs migrations with
-- foreign keys off and checks them before committing), and their indexes
-- made again.

CREATE TABLE leads_0007 (
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
                                   OR status = 'replied' OR status = 'bounced' OR status = 'unsubscribed'
                                   OR status = 'paused'),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  ord            INTEGER NOT NULL DEFAULT 0,
  -- When a paused lead resumes (set exactly while status = 'paused').
  paused_until   INTEGER CHECK ((status = 'paused') = (paused_until IS NOT NULL)),
  UNIQUE (campaign_id, email)
);
INSERT INTO leads_0007 (seq, id, campaign_id, email, first_name, last_name, company, job_title, custom_fields,
                        position, status, created_at, updated_at, ord)
  SELECT seq, id, campaign_id, email, first_name, last_name, company, job_title, custom_fields,
         position, status, created_at, updated_at, ord FROM leads;
DROP TABLE leads;
ALTER TABLE leads_0007 RENAME TO leads;
CREATE INDEX leads_by_campaign ON leads(campaign_id, ord, status);
-- The paused leads whose date has come (claimDue resumes them first).
CREATE INDEX leads_paused ON leads(paused_until) WHERE status = 'paused';

CREATE TABLE signals_0007 (
  seq           INTEGER PRIMARY KEY,
  id            TEXT NOT NULL,
  workspace_id  TEXT NOT NULL REFERENCES workspaces(id),
  campaign_id   TEXT REFERENCES campaigns(id),
  lead_seq      INTEGER REFERENCES leads(seq),
  message_seq   INTEGER REFERENCES messages(seq),
  email         TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind = 'reply' OR kind = 'autoReply' OR kind = 'bounceHard'
                                  OR kind = 'bounceSoft' OR kind = 'complaint' OR kind = 'unsubscribe'
                                  OR kind = 'click' OR kind = 'open'),
  external_id   TEXT,
  detail        TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);
INSERT INTO signals_0007 SELECT seq, id, workspace_id, campaign_id, lead_seq, message_seq, email, kind,
                                external_id, detail, created_at FROM signals;
DROP TABLE signals;
ALTER TABLE signals_0007 RENAME TO signals;
CREATE UNIQUE INDEX signals_by_external_id ON signals(workspace_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX signals_by_address ON signals(workspace_id, email, kind, created_at);
CREATE INDEX signals_by_message ON signals(message_seq) WHERE message_seq IS NOT NULL;

-- A campaign's stop rules as a JSON object; a missing key takes its default
-- (docs/signals.md), so '{}' is the defaults.
ALTER TABLE campaigns ADD COLUMN stop_rules TEXT NOT NULL DEFAULT '{}';
-- Whether a reply to one campaign stops the address in every campaign of
-- the workspace (1, the default) or only where it replied (0).
ALTER TABLE workspaces ADD COLUMN reply_stops_all INTEGER NOT NULL DEFAULT 1 CHECK (reply_stops_all IN (0, 1));

-- Domains where one address says nothing about a colleague: a reply from
-- one of them never stops the rest of its "company". A host may add rows.
CREATE TABLE free_mail_domains (
  domain  TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO free_mail_domains (domain) VALUES
  ('126.com'), ('163.com'), ('aim.com'), ('aol.com'), ('att.net'), ('bellsouth.net'), ('bigpond.com'),
  ('bk.ru'), ('bol.com.br'), ('btinternet.com'), ('charter.net'), ('comcast.net'), ('cox.net'), ('daum.net'),
  ('disroot.org'), ('email.com'), ('fastmail.com'), ('fastmail.fm'), ('free.fr'), ('freenet.de'), ('gmail.com'),
  ('gmx.at'), ('gmx.ch'), ('gmx.com'), ('gmx.de'), ('gmx.net'), ('googlemail.com'), ('hanmail.net'),
  ('hey.com'), ('hotmail.co.uk'), ('hotmail.com'), ('hotmail.de'), ('hotmail.es'), ('hotmail.fr'), ('hotmail.it'),
  ('hushmail.com'), ('icloud.com'), ('ig.com.br'), ('inbox.ru'), ('interia.pl'), ('laposte.net'), ('libero.it'),
  ('list.ru'), ('live.co.uk'), ('live.com'), ('live.de'), ('live.fr'), ('live.it'), ('mac.com'), ('mail.com'),
  ('mail.ru'), ('mailbox.org'), ('me.com'), ('msn.com'), ('naver.com'), ('o2.pl'), ('onet.pl'), ('optusnet.com.au'),
  ('orange.fr'), ('outlook.com'), ('outlook.de'), ('outlook.es'), ('outlook.fr'), ('pm.me'), ('posteo.de'),
  ('posteo.net'), ('proton.me'), ('protonmail.ch'), ('protonmail.com'), ('qq.com'), ('rambler.ru'),
  ('rediffmail.com'), ('rocketmail.com'), ('rogers.com'), ('runbox.com'), ('sbcglobal.net'), ('seznam.cz'),
  ('sfr.fr'), ('shaw.ca'), ('sina.com'), ('sky.com'), ('sohu.com'), ('sympatico.ca'), ('t-online.de'),
  ('telstra.com'), ('terra.com.br'), ('tiscali.it'), ('tuta.io'), ('tutanota.com'), ('uol.com.br'),
  ('verizon.net'), ('virgilio.it'), ('virginmedia.com'), ('wanadoo.fr'), ('web.de'), ('wp.pl'), ('xtra.co.nz'),
  ('ya.ru'), ('yahoo.ca'), ('yahoo.co.in'), ('yahoo.co.jp'), ('yahoo.co.uk'), ('yahoo.com'), ('yahoo.com.au'),
  ('yahoo.com.br'), ('yahoo.de'), ('yahoo.es'), ('yahoo.fr'), ('yahoo.it'), ('yandex.com'), ('yandex.ru'),
  ('ymail.com'), ('zoho.com'), ('zohomail.com');
