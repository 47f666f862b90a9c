-- 0009_variants: A/B/n variants of a step, the variant each message renders,
-- and the winner a step's winner rule picked.
--
-- steps.variants: a JSON array of {"label", "subject", "body", "weight"},
-- '[]' for a step without variants (its subject and body are variant "A").
-- steps.winner_rule: {"minSendsPerVariant", "minHours"} or NULL.
-- The decision, once taken: the winning label, when, and the figures it was
-- based on (a JSON array of {"label", "sent", "replied"}). It moves with its
-- step when an earlier step is removed.
ALTER TABLE steps ADD COLUMN variants TEXT NOT NULL DEFAULT '[]';
ALTER TABLE steps ADD COLUMN winner_rule TEXT;
ALTER TABLE steps ADD COLUMN winner_variant TEXT;
ALTER TABLE steps ADD COLUMN winner_at INTEGER;
ALTER TABLE steps ADD COLUMN winner_figures TEXT;

-- The label of the variant a message renders; every message written before
-- rendered its step's only text, variant "A".
ALTER TABLE messages ADD COLUMN variant TEXT NOT NULL DEFAULT 'A';
-- A winner rule counts a step's sends per variant.
CREATE INDEX messages_by_step ON messages(campaign_id, step, status, variant);
