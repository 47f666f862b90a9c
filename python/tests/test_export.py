"""Export: a campaign's leads streamed as CSV or JSON Lines through a sink."""
import io
import json

import pytest

import leadterra


def test_jsonl_lines_are_the_leads_with_their_state(engine, campaign):
    engine.bulk_upsert(campaign, [{"email": "ava@acme.com", "firstName": "Ava", "customFields": {"city": "Oslo"}},
                                  {"email": "bob@acme.com"}])
    out = io.BytesIO()
    assert engine.export_leads(campaign, out, format="jsonl") == 2
    lines = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    assert [l["email"] for l in lines] == ["ava@acme.com", "bob@acme.com"]
    assert lines[0]["customFields"] == {"city": "Oslo"}
    assert lines[0]["lastEvent"] == "enrolled"
    assert lines[0]["variant"] is None


def test_csv_to_a_callable_and_back_through_an_import(engine, campaign, tmp_path):
    engine.bulk_upsert(campaign, [{"email": "ava@acme.com", "company": "Acme, Inc."}])
    pieces = []
    assert engine.export_leads(campaign, pieces.append, status="active") == 1
    text = b"".join(pieces).decode()
    assert text.startswith("email,firstName,lastName,company,jobTitle,leadterra:status,")
    assert '"Acme, Inc."' in text
    path = tmp_path / "leads.csv"
    path.write_text(text)
    engine.create_campaign("ws_demo", "camp_again", "Again", [])
    assert engine.import_file("camp_again", path)["enrolled"] == 1
    lead = engine.get_lead("camp_again", "ava@acme.com")
    assert lead["company"] == "Acme, Inc."
    assert lead["customFields"] == {}


def test_a_sink_that_raises_stops_the_export_with_its_exception(engine, campaign):
    engine.bulk_upsert(campaign, [{"email": "ava@acme.com"}])

    def full(_data):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        engine.export_leads(campaign, full)
    assert engine.count_leads(campaign)["total"] == 1


def test_errors(engine, campaign):
    with pytest.raises(leadterra.NotFound):
        engine.export_leads("camp_nope", io.BytesIO())
    with pytest.raises(leadterra.NotFound):
        engine.export_leads(campaign, io.BytesIO(), scope="ws_other")
    with pytest.raises(leadterra.InvalidArgument):
        engine.export_leads(campaign, io.BytesIO(), format="xml")
