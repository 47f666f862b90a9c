"""The event log through the Python package: pages, filters, follow_events."""
import threading

import pytest

import leadterra


def test_events_pages_and_filters(engine, campaign):
    engine.bulk_upsert(campaign, [{"email": "ava@acmecorp.com", "firstName": "Ava"},
                                  {"email": "marcus@buildfast.io"}])
    engine.start_campaign(campaign)
    page = engine.events("ws_demo")
    kinds = [e["kind"] for e in page["events"]]
    assert kinds == ["campaign_created", "leads_upserted", "campaign_started", "message_queued", "message_queued"]
    assert page["events"][1]["counts"] == {"enrolled": 2}
    assert page["cursor"] == page["events"][-1]["cursor"]

    first = engine.events("ws_demo", limit=2)
    assert [e["kind"] for e in first["events"]] == kinds[:2]
    rest = engine.events("ws_demo", after_cursor=first["cursor"], limit=100)
    assert [e["kind"] for e in rest["events"]] == kinds[2:]

    queued = engine.events("ws_demo", kinds=["message_queued"], campaign_id=campaign)
    assert len(queued["events"]) == 2 and all(e["step"] == 1 for e in queued["events"])
    assert queued["cursor"] == page["cursor"]

    with pytest.raises(leadterra.InvalidArgument):
        engine.events("ws_demo", kinds=["no_such_kind"])
    with pytest.raises(leadterra.NotFound):
        engine.events("ws_none")


def test_follow_events_catches_up_and_resumes(engine, campaign):
    engine.bulk_upsert(campaign, [{"email": "p%d@example.com" % i} for i in range(5)])
    engine.start_campaign(campaign)
    seen = list(engine.follow_events("ws_demo", batch=2))
    assert [e["cursor"] for e in seen] == sorted(e["cursor"] for e in seen)
    assert len(seen) == 8  # created, upserted, started, 5 queued

    for m in engine.claim_due(limit=5):
        engine.mark_sent(m["id"])
    more = list(engine.follow_events("ws_demo", after_cursor=seen[-1]["cursor"], kinds=["message_sent"]))
    assert len(more) == 5 and {e["kind"] for e in more} == {"message_sent"}


def test_follow_events_polls_until_stopped(engine, campaign):
    stop = threading.Event()
    seen = []
    for event in engine.follow_events("ws_demo", poll_interval=0.01, stop=stop):
        seen.append(event)
        if len(seen) == 1:
            engine.bulk_upsert(campaign, [{"email": "late@example.com"}])
        if len(seen) == 2:
            stop.set()
    assert [e["kind"] for e in seen] == ["campaign_created", "leads_upserted"]


def test_log_options_are_accepted(db):
    with leadterra.open(db, event_max_age_seconds=3600, event_max_count=10) as e:
        e.create_workspace("ws_demo", "Demo")
        assert e.events("ws_demo")["events"] == []
    with leadterra.open(db, event_log=False) as e:
        e.create_campaign("ws_demo", "camp_quiet", "Quiet", [{"subject": "Hi", "body": "Hi"}])
        e.bulk_upsert("camp_quiet", [{"email": "ava@acmecorp.com"}])
        e.start_campaign("camp_quiet")
        assert e.events("ws_demo")["events"] == []
