import os
import sys
from pathlib import Path

import pytest

# From a checkout, the package beside this folder; with
# LEADTERRA_TEST_INSTALLED=1, the installed one (python_install).
if not os.environ.get("LEADTERRA_TEST_INSTALLED"):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import leadterra  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent  # the checkout (for leadterra.h and the docs)

STEPS = [
    {"subject": "Quick question, {{firstName}}",
     "body": "Hi {{firstName}}, how does {{company}} book meetings today?", "delayDays": 0},
    {"subject": "Re: Quick question, {{firstName}}",
     "body": "Hi {{firstName}}, bumping this in case it got buried.", "delayDays": 3},
]


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "test.db")


@pytest.fixture
def engine(db):
    with leadterra.open(db, now="2025-06-10T15:00:00Z") as e:
        yield e


@pytest.fixture
def campaign(engine):
    engine.create_workspace("ws_demo", "Demo")
    engine.create_campaign("ws_demo", "camp_demo", "Demo", STEPS)
    return "camp_demo"
