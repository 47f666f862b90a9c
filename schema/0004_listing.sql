-- 0004_listing: pages of a campaign's leads and messages in creation order,
-- and a campaign's leads counted by status.
--
-- A campaign's leads by seq, with their status: a page of leads is one range
-- of this index (a status filter is checked in it before a row is read), and
-- counting a campaign's leads by status reads it alone, never the rows. New
-- leads take increasing seqs, so they are written at the end of their
-- campaign's range.
CREATE INDEX leads_by_campaign ON leads(campaign_id, seq, status);
-- A campaign's messages by seq, for pages of every status (a page of one
-- status is a range of messages_by_campaign, whose entries end with seq).
CREATE INDEX messages_by_campaign_seq ON messages(campaign_id, seq);
