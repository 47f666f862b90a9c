-- 0011_frequency_cap: a workspace's frequency cap (WorkspaceRules::
-- frequencyCap): at most frequency_cap_sends messages to one address in any
-- frequency_cap_days days, over all of its campaigns. Both NULL: no cap.
--
-- No index is added: the cap, and the cross-campaign rules of a bulk upsert,
-- find an address's leads through the (campaign_id, email) key once per
-- campaign of the workspace, and a lead's messages through
-- messages_one_per_step (lead_seq, step). A leads(email) index would cost
-- every new lead one more index write, rules or not.
ALTER TABLE workspaces ADD COLUMN frequency_cap_sends INTEGER
  CHECK (frequency_cap_sends IS NULL OR frequency_cap_sends >= 1);
ALTER TABLE workspaces ADD COLUMN frequency_cap_days INTEGER
  CHECK ((frequency_cap_days IS NULL) = (frequency_cap_sends IS NULL)
         AND (frequency_cap_days IS NULL OR (frequency_cap_days >= 1 AND frequency_cap_days <= 3650)));
