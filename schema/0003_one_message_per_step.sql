-- 0003_one_message_per_step: one message row per lead and step, whatever its
-- status; claims ranked per campaign.
--
-- A lead whose step was cancelled (suppressed, then resumed) gets that same
-- row queued again, with its attempts, instead of a second row. Files written
-- before kept both: keep the row that is not cancelled (else the newest) and
-- count the other's claims into it.
UPDATE messages SET attempts = attempts + (
  SELECT coalesce(sum(o.attempts), 0) FROM messages o
  WHERE o.lead_seq = messages.lead_seq AND o.step = messages.step AND o.seq <> messages.seq
)
WHERE seq IN (
  SELECT max(CASE WHEN status <> 'cancelled' THEN seq END) FROM messages GROUP BY lead_seq, step
  HAVING count(*) > 1 AND max(CASE WHEN status <> 'cancelled' THEN seq END) IS NOT NULL
  UNION ALL
  SELECT max(seq) FROM messages GROUP BY lead_seq, step
  HAVING count(*) > 1 AND max(CASE WHEN status <> 'cancelled' THEN seq END) IS NULL
);
DELETE FROM messages
WHERE status = 'cancelled' AND EXISTS (
  SELECT 1 FROM messages o WHERE o.lead_seq = messages.lead_seq AND o.step = messages.step
    AND (o.status <> 'cancelled' OR o.seq > messages.seq)
);
DROP INDEX messages_one_per_step;
CREATE UNIQUE INDEX messages_one_per_step ON messages(lead_seq, step);

-- claimDue walks each running campaign's due messages in order, so a backlog
-- in a campaign that may not send (window closed, cap used up) costs nothing.
DROP INDEX messages_due;
CREATE INDEX messages_due_by_campaign ON messages(campaign_id, scheduled_at) WHERE status IN ('queued', 'claimed');
