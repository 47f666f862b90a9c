-- 0005_creation_order: a lead's creation order in its own column, so that its
-- seq (the rowid) can follow the order in which a bulk upsert writes.
--
-- ord is the order a user sees (listing, and queueing at a campaign's start):
-- within one bulk upsert the caller's order, across calls the order of the
-- calls. seq stays the internal key that messages refer to. A bulk upsert
-- numbers its new leads' seqs in the order of their emails, so the leads
-- table and its (campaign_id, email) index are both written front to back,
-- and takes their ords from the same range in the caller's order. Leads
-- written before this migration keep ord = seq.
ALTER TABLE leads ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;
UPDATE leads SET ord = seq;

-- A campaign's leads by creation order, with their status: a page of leads is
-- one range of this index, and counting a campaign's leads by status reads
-- it alone, never the rows.
DROP INDEX leads_by_campaign;
CREATE INDEX leads_by_campaign ON leads(campaign_id, ord, status);
