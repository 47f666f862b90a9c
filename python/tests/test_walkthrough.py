"""The walkthrough of docs/bindings.md through the Python package."""
import datetime as dt

import leadterra
from conftest import STEPS


def test_walkthrough(db):
    assert leadterra.version() == "0.1.0"
    with leadterra.open(db, now=dt.datetime(2025, 6, 10, 15, 0, 0)) as engine:
        ws = engine.create_workspace("ws_demo", "Demo workspace")
        assert ws["id"] == "ws_demo" and ws["createdAt"] == "2025-06-10T15:00:00Z"
        assert engine.add_suppressions("ws_demo", ["@blocked.example"])["added"] == 1

        camp = engine.create_campaign("ws_demo", "camp_walkthrough", "Walkthrough", STEPS)
        assert camp["status"] == "draft" and len(camp["steps"]) == 2

        leads = [
            {"email": "ava@acmecorp.com", "firstName": "Ava", "company": "Acme Corp"},
            {"email": "AVA@acmecorp.com", "lastName": "Chen"},  # a duplicate: updates Ava
            {"email": "marcus@buildfast.io", "firstName": "Marcus", "company": "BuildFast"},
            {"email": "info@blocked.example", "firstName": "Nobody"},  # suppressed: skipped
        ]
        r = engine.bulk_upsert("camp_walkthrough", leads)
        assert (r["enrolled"], r["updated"], r["skipped"], r["failed"], r["totalInCampaign"]) == (2, 1, 1, 0, 2)

        started = engine.start_campaign("camp_walkthrough")
        assert started["status"] == "running" and started["queuedMessages"] == 2

        claimed = engine.claim_due(limit=1, lease_seconds=300)
        assert len(claimed) == 1
        msg = claimed[0]
        assert msg["step"] == 1 and msg["status"] == "claimed"
        assert msg["subject"].startswith("Quick question, ")

        assert engine.mark_sent(msg["id"])["status"] == "sent"
        lead = engine.get_lead("camp_walkthrough", msg["email"])
        assert lead["position"] == 1 and lead["status"] == "active"

        sig = engine.report_signal("reply", message_id=msg["id"])
        assert sig["leadsStopped"] == 1 and sig["messagesCancelled"] == 1

        counts = engine.count_leads("camp_walkthrough")
        assert counts["total"] == 2
        assert counts["byStatus"]["replied"] == 1 and counts["byStatus"]["active"] == 1
    assert engine.closed


def test_streamed_upsert_adds_up_chunks(engine, campaign):
    rows = ({"email": "p%d@example.com" % i, "firstName": "P%d" % i} for i in range(25))
    bad = iter([{"email": "ok@example.com"}, {"email": "not-an-email"}, {"email": "OK@example.com"}])
    r = engine.bulk_upsert(campaign, rows, chunk_size=10)
    assert (r["enrolled"], r["updated"], r["failed"], r["totalInCampaign"]) == (25, 0, 0, 25)
    r = engine.bulk_upsert(campaign, bad, chunk_size=1)
    assert (r["enrolled"], r["updated"], r["failed"]) == (1, 1, 1)
    assert [e["index"] for e in r["errors"]] == [1]
    assert engine.bulk_upsert(campaign, iter([]))["enrolled"] == 0


def test_streamed_upsert_with_an_idempotency_key_replays(engine, campaign):
    def rows():
        return ({"email": "r%d@example.com" % i} for i in range(7))
    first = engine.bulk_upsert(campaign, rows(), chunk_size=3, idempotency_key="import-1")
    again = engine.bulk_upsert(campaign, rows(), chunk_size=3, idempotency_key="import-1")
    assert first["enrolled"] == 7 and again["enrolled"] == 7 and again["replayed"] is True
    assert engine.count_leads(campaign)["total"] == 7


def test_options_dry_run_and_details(engine, campaign):
    r = engine.bulk_upsert(campaign, [{"email": "d@example.com"}], dry_run=True, details=True)
    assert r["dryRun"] is True and r["rows"][0]["outcome"] == "enrolled"
    assert engine.count_leads(campaign)["total"] == 0


def test_steps_schedule_rules_and_listing(engine, campaign):
    engine.add_step(campaign, subject="Third", body="Last one, {{firstName}}", delay_days=5)
    engine.replace_step(campaign, 3, {"subject": "Third!", "body": "Last", "delayDays": 6})
    c = engine.remove_step(campaign, 3)
    assert len(c["steps"]) == 2
    c = engine.set_schedule(campaign, time_zone="Europe/Paris", daily_cap=100,
                            send_window={"days": ["mon", "tue"], "startHour": 9, "endHour": 17})
    assert c["timeZone"] == "Europe/Paris" and c["dailyCap"] == 100
    assert engine.set_stop_rules(campaign, for_company=True)["stopRules"]["forCompany"] is True
    ws = engine.set_workspace_rules("ws_demo", reply_stops_all_campaigns=False)
    assert ws["rules"]["replyStopsAllCampaigns"] is False
    assert engine.get_workspace("ws_demo")["name"] == "Demo"
    assert engine.get_campaign(campaign, scope="ws_demo")["id"] == campaign
    assert [w["id"] for w in engine.list_workspaces()["workspaces"]] == ["ws_demo"]
    assert engine.list_campaigns("ws_demo", limit=10)["nextCursor"] is None
    engine.bulk_upsert(campaign, [{"email": "a%d@example.com" % i} for i in range(3)])
    page = engine.list_leads(campaign, limit=2)
    assert len(page["leads"]) == 2 and page["nextCursor"]
    rest = engine.list_leads(campaign, after=page["nextCursor"])
    assert len(rest["leads"]) == 1 and rest["nextCursor"] is None
    assert len(engine.list_leads(campaign, status="active")["leads"]) == 3
    engine.start_campaign(campaign)
    assert engine.pause_campaign(campaign)["status"] == "paused"
    assert len(engine.list_messages(campaign, status="queued")["messages"]) == 3


def test_suppressions(engine, campaign):
    engine.add_suppressions("ws_demo", "one@example.com")
    engine.add_suppressions("ws_demo", ("two@example.com", "@three.example"))
    assert len(engine.list_suppressions("ws_demo")["entries"]) == 3
    assert engine.remove_suppressions("ws_demo", ["one@example.com"])["removed"] == 1
    assert engine.remove_suppressions_by("ws_demo", "manual", since="2025-01-01T00:00:00Z")["removed"] == 2
    assert engine.list_suppressions("ws_demo", reason="manual")["entries"] == []


def test_unsubscribe_links(engine, campaign):
    engine.bulk_upsert(campaign, [{"email": "u@example.com"}])
    s = engine.set_unsubscribe_settings("ws_demo", base_url="https://example.com/u", mailto="u@example.com")
    assert s["baseUrl"] == "https://example.com/u"
    assert engine.get_unsubscribe_settings("ws_demo") == s
    link = engine.unsubscribe_link(campaign, "u@example.com")
    assert link["url"].startswith("https://example.com/u")
    assert engine.apply_unsubscribe(link["token"])["leadsStopped"] == 1
    engine.rotate_unsubscribe_secret("ws_demo")
    try:
        engine.apply_unsubscribe(link["token"])
    except leadterra.InvalidToken as e:
        assert e.code == 8
    else:
        raise AssertionError("an old token after a rotation must fail")


def test_mark_failed_and_replied(engine, campaign):
    engine.bulk_upsert(campaign, [{"email": "f@example.com"}, {"email": "g@example.com"}])
    engine.start_campaign(campaign)
    by_email = {m["email"]: m for m in engine.claim_due(10)}
    assert engine.mark_failed(by_email["f@example.com"]["id"], "550 no such user")["status"] == "failed"
    assert engine.get_lead(campaign, "f@example.com")["status"] == "bounced"
    assert engine.mark_replied(campaign, "g@example.com")["lead"]["status"] == "replied"


def test_import_and_preview(engine, campaign, tmp_path):
    csv = tmp_path / "leads.csv"
    csv.write_text("Work Email,First Name\nava@acmecorp.com,Ava\nbad,Nope\n")
    columns = {"Work Email": "email", "First Name": "firstName"}
    p = engine.preview_file(campaign, csv, rows=5, columns=columns)
    assert p["result"]["enrolled"] == 1 and p["result"]["failed"] == 1
    r = engine.import_file(campaign, csv, columns=columns, batch_size=1)
    assert r["enrolled"] == 1 and r["failed"] == 1


def test_render_step_needs_no_engine():
    r = leadterra.render_step(STEPS[0], {"email": "ava@acmecorp.com", "firstName": "Ava"})
    assert r["subject"] == "Quick question, Ava" and r["missingTokens"] == ["company"]


def test_a_clock_the_program_moves(db, ):
    now = [dt.datetime(2025, 6, 10, 15, 0, tzinfo=dt.timezone.utc)]
    with leadterra.open(db, clock=lambda: now[0]) as engine:
        engine.create_workspace("ws", "W")
        engine.create_campaign("ws", "camp", "C", STEPS)
        engine.bulk_upsert("camp", [{"email": "ava@acmecorp.com", "firstName": "Ava"}])
        engine.start_campaign("camp")
        engine.mark_sent(engine.claim_due()[0]["id"])
        assert engine.claim_due() == []
        now[0] += dt.timedelta(days=3)
        due = engine.claim_due()
        assert [m["step"] for m in due] == [2]
        assert due[0]["scheduledAt"] == "2025-06-13T15:00:00Z"


def test_text_beyond_ascii_round_trips(engine, campaign):
    lead = {"email": "jurgen@bücher.example", "firstName": "Jürgen", "company": "Bücher & Co 📚",
            "customFields": {"city": "Zürich", "note": "naïve \"quotes\"\n"}}
    r = engine.bulk_upsert(campaign, [lead])
    assert r["enrolled"] == 1, r
    got = engine.get_lead(campaign, "jurgen@bücher.example")
    assert got["firstName"] == "Jürgen" and got["company"] == "Bücher & Co 📚"
    assert got["customFields"] == lead["customFields"]
    streamed = engine.bulk_upsert(campaign, iter([dict(lead, lastName="Groß")]))
    assert streamed["updated"] == 1
    assert engine.get_lead(campaign, "jurgen@bücher.example")["lastName"] == "Groß"
