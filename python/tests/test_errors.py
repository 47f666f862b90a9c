"""Failures raise a LeadterraError subclass per lt_status, with its code."""
import pytest

import leadterra
from conftest import STEPS


def test_each_status_has_its_exception(engine, campaign):
    with pytest.raises(leadterra.NotFound) as e:
        engine.start_campaign("camp_missing")
    assert e.value.code == 1 and e.value.name == "not_found" and "camp_missing" in e.value.message
    assert isinstance(e.value, leadterra.LeadterraError)

    with pytest.raises(leadterra.InvalidArgument) as e:
        engine.report_signal("shrug")
    assert e.value.code == 2

    with pytest.raises(leadterra.Conflict) as e:
        engine.create_workspace("ws_demo", "Again")
    assert e.value.code == 3

    engine.create_campaign("ws_demo", "camp_empty", "Empty")
    with pytest.raises(leadterra.NoSteps) as e:
        engine.start_campaign("camp_empty")
    assert e.value.code == 4

    with pytest.raises(leadterra.InvalidToken) as e:
        engine.apply_unsubscribe("not-a-token")
    assert e.value.code == 8

    # Scope: a campaign of another workspace is not found.
    engine.create_workspace("ws_other", "Other")
    with pytest.raises(leadterra.NotFound):
        engine.get_campaign(campaign, scope="ws_other")


def test_open_errors(tmp_path):
    with pytest.raises(leadterra.NotFound) as e:
        leadterra.open(str(tmp_path / "missing.db"), create_if_missing=False)
    assert e.value.code == 1 and not (tmp_path / "missing.db").exists()
    with pytest.raises(leadterra.InvalidArgument):
        leadterra.open(str(tmp_path / "x.db"), now="yesterday")
    with pytest.raises(leadterra.StorageError) as e:
        leadterra.open(str(tmp_path / "no" / "such" / "dir" / "x.db"))
    assert e.value.code == 6


def test_row_problems_are_results_not_exceptions(engine, campaign):
    r = engine.bulk_upsert(campaign, [{"email": "nope"}, {"email": "yes@example.com"}])
    assert r["failed"] == 1 and r["enrolled"] == 1 and r["errors"][0]["index"] == 0


def test_status_names_and_codes():
    assert leadterra.status_name(0) == "ok"
    assert leadterra.status_name(5) == "busy"
    assert leadterra.status_name(999) == "unknown"
    for cls in (leadterra.NotFound, leadterra.InvalidArgument, leadterra.Conflict, leadterra.NoSteps,
                leadterra.Busy, leadterra.StorageError, leadterra.SchemaTooNew, leadterra.InvalidToken,
                leadterra.OutOfMemory, leadterra.InternalError):
        assert leadterra.status_name(cls.code) == cls.name


def test_a_closed_engine_raises(db):
    engine = leadterra.open(db)
    with engine:
        engine.create_workspace("ws", "W")
    assert engine.closed
    with pytest.raises(leadterra.EngineClosed) as e:
        engine.get_workspace("ws")
    assert isinstance(e.value, leadterra.InvalidArgument) and e.value.code == 2
    engine.close()  # a second close does nothing
    with leadterra.open(db) as again:
        assert again.get_workspace("ws")["name"] == "W"


def test_bad_json_values_are_invalid_arguments(engine, campaign):
    with pytest.raises(leadterra.InvalidArgument):
        engine.add_step(campaign, {"subject": 42})
    with pytest.raises(leadterra.InvalidArgument):
        engine.bulk_upsert(campaign, [{"email": "a@example.com"}], mode="sideways")
    with pytest.raises(TypeError):
        engine.bulk_upsert(campaign, [{"email": object()}])
    with pytest.raises(leadterra.InvalidArgument):
        leadterra.render_step({"subject": 42, "body": ""}, {"email": "a@example.com"})
    assert STEPS
