"""Send loops in two threads claim concurrently; no message is handed out twice."""
import threading
import time

import pytest

import leadterra
from conftest import STEPS

LEADS = 400


@pytest.mark.parametrize("shared", [True, False], ids=["one-engine", "engine-per-thread"])
def test_two_send_loops_never_share_a_message(db, shared):
    with leadterra.open(db) as setup:
        setup.create_workspace("ws", "W")
        setup.create_campaign("ws", "camp", "C", STEPS)
        setup.bulk_upsert("camp", [{"email": "lead%d@example.com" % i, "firstName": "L"} for i in range(LEADS)])
        assert setup.start_campaign("camp")["queuedMessages"] == LEADS

    shared_engine = leadterra.open(db) if shared else None
    seen = [[], []]
    errors = []
    barrier = threading.Barrier(2)

    def worker(n):
        try:
            engine = shared_engine or leadterra.open(db, busy_timeout_ms=30000)
            try:
                barrier.wait()
                for message in engine.send_loop(batch=7, lease_seconds=600):
                    seen[n].append(message["id"])
                    time.sleep(0.001)  # the send: other threads run meanwhile
                    engine.mark_sent(message["id"])
            finally:
                if engine is not shared_engine:
                    engine.close()
        except Exception as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if shared_engine:
        shared_engine.close()
    assert not errors
    ids = seen[0] + seen[1]
    assert len(ids) == LEADS and len(set(ids)) == LEADS
    assert seen[0] and seen[1], "both loops should have claimed messages"
    with leadterra.open(db) as engine:
        assert len(engine.list_messages("camp", status="sent")["messages"]) == LEADS


def test_close_waits_for_a_running_call(db):
    engine = leadterra.open(db)
    engine.create_workspace("ws", "W")
    engine.create_campaign("ws", "camp", "C", STEPS)
    rows = [{"email": "x%d@example.com" % i} for i in range(20000)]
    result = {}

    def upsert():
        try:
            result["r"] = engine.bulk_upsert("camp", rows)
        except leadterra.EngineClosed:
            result["closed"] = True

    t = threading.Thread(target=upsert)
    t.start()
    engine.close()  # either before the call (which then raises) or after it
    t.join()
    assert engine.closed
    assert len(result) == 1
    if "r" in result:
        assert result["r"]["enrolled"] == 20000
