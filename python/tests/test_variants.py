"""Variants, winners, previews and lint through the Python package."""
import pytest

import leadterra


def test_variants_preview_winners_and_lint(engine, campaign):
    engine.start_campaign(campaign)
    engine.set_step_variants(campaign, 1, [
        {"subject": "Hi {{firstName}}", "body": "A"},
        {"subject": "{~Hey|Hello~} {{firstName}}", "body": "B", "weight": 3},
    ], winner_rule={"minSendsPerVariant": 10, "minHours": 1})
    engine.bulk_upsert(campaign, [{"email": f"p{i}@example.com", "firstName": f"P{i}"} for i in range(40)])
    messages = {m["email"]: m for m in engine.list_messages(campaign)["messages"]}
    assert {m["variant"] for m in messages.values()} == {"A", "B"}
    for email, m in messages.items():
        preview = engine.preview_step(campaign, 1, email)
        assert (preview["variant"], preview["subject"], preview["body"]) == (m["variant"], m["subject"], m["body"])
    assert engine.step_winners(campaign) == []
    campaign_doc = engine.get_campaign(campaign)
    assert [v["label"] for v in campaign_doc["steps"][0]["variants"]] == ["A", "B"]

    assert engine.lint_steps(campaign) == []
    engine.set_step_variants(campaign, 2, [{"subject": "Re: {{fristName}}", "body": "x"}])
    findings = engine.lint_steps(campaign)
    assert [(f["step"], f["variant"], f["field"], f["code"]) for f in findings] == [(2, "A", "subject", "unknown_token")]

    with pytest.raises(leadterra.InvalidArgument):
        engine.set_step_variants(campaign, 1, [{"subject": "s", "body": "b", "weight": 0}])
    with pytest.raises(leadterra.NotFound):
        engine.preview_step(campaign, 1, "nobody@example.com")
