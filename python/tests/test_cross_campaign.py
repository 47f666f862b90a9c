"""Cross-campaign rules and the frequency cap through the Python package
(docs/enroll.md, docs/dispatch.md)."""
import leadterra
from conftest import STEPS

START = 1749567600  # 2025-06-10T15:00:00Z


def _two_campaigns(engine):
    engine.create_workspace("ws_demo", "Demo")
    engine.create_campaign("ws_demo", "camp_a", "A", STEPS)
    engine.create_campaign("ws_demo", "camp_b", "B", STEPS)
    engine.bulk_upsert("camp_a", [{"email": "ava@acmecorp.com"}, {"email": "marcus@buildfast.io"}])
    engine.start_campaign("camp_a")


def test_rules_skip_new_emails_and_count_apart_from_suppression(engine):
    _two_campaigns(engine)
    for msg in engine.claim_due():
        if msg["email"] == "marcus@buildfast.io":
            engine.mark_sent(msg["id"])
    r = engine.bulk_upsert("camp_b", [{"email": "ava@acmecorp.com"}, {"email": "lee@acmecorp.com"}],
                           skip_active_elsewhere=True, details=True)
    assert (r["enrolled"], r["skipped"], r["skippedActiveElsewhere"]) == (1, 0, 1)
    assert [row["outcome"] for row in r["rows"]] == ["skippedActiveElsewhere", "enrolled"]
    assert "skippedRecentlyContacted" not in r

    # marcus was sent step 1 (and still waits for step 2, which only the other rule looks at).
    r = engine.bulk_upsert("camp_b", [{"email": "marcus@buildfast.io"}], skip_contacted_within_days=30)
    assert (r["enrolled"], r["skippedRecentlyContacted"]) == (0, 1)
    assert "skippedActiveElsewhere" not in r


def test_streamed_chunks_add_up_the_new_counts(engine):
    _two_campaigns(engine)
    rows = iter([{"email": "ava@acmecorp.com"}, {"email": "lee@acmecorp.com"}, {"email": "marcus@buildfast.io"}])
    r = engine.bulk_upsert("camp_b", rows, skip_active_elsewhere=True, chunk_size=1)
    assert (r["enrolled"], r["skippedActiveElsewhere"]) == (1, 2)
    r = engine.bulk_upsert("camp_b", iter([{"email": "zed@example.com"}]), skip_active_elsewhere=True)
    assert "skippedActiveElsewhere" not in r


def test_frequency_cap_holds_the_second_message_to_one_address(db):
    now = [START]
    with leadterra.open(db, clock=lambda: now[0]) as engine:
        _two_campaigns(engine)
        ws = engine.set_workspace_rules("ws_demo", frequency_cap={"maxSends": 1, "perDays": 7})
        assert ws["rules"]["frequencyCap"] == {"maxSends": 1, "perDays": 7}
        engine.bulk_upsert("camp_b", [{"email": "ava@acmecorp.com"}])
        engine.start_campaign("camp_b")
        claimed = engine.claim_due(lease_seconds=300)
        assert sorted((m["campaignId"], m["email"]) for m in claimed) == [
            ("camp_a", "ava@acmecorp.com"), ("camp_a", "marcus@buildfast.io")]
        ws = engine.set_workspace_rules("ws_demo", {"frequencyCap": None})
        assert ws["rules"]["frequencyCap"] is None
        now[0] += 300  # the leases end; without a cap nothing is held
        assert len(engine.claim_due()) == 3
