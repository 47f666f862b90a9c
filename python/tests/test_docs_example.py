"""The worked example of docs/bindings.md runs as printed: a CSV imported,
a send loop over smtplib to the local server it starts, a bounce recorded."""
import os
import re
import subprocess
import sys

import leadterra
from conftest import ROOT


def example_source():
    text = (ROOT / "docs" / "bindings.md").read_text()
    blocks = re.findall(r"```python\n(# send_campaign\.py.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/bindings.md should hold the send_campaign.py example once"
    return blocks[0]


def test_the_guide_example_runs(tmp_path):
    script = tmp_path / "send_campaign.py"
    script.write_text(example_source())
    env = dict(os.environ)
    if os.sep in leadterra.LIBRARY_PATH:  # the library this test loaded, wherever the example runs
        env["LEADTERRA_LIBRARY"] = leadterra.LIBRARY_PATH
    if not env.get("LEADTERRA_TEST_INSTALLED"):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "python"), env.get("PYTHONPATH")]))
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "sent: ava@acmecorp.com" in run.stdout
    assert "bounced: gone@bounce.example" in run.stdout
    assert "active: 2 bounced: 1" in run.stdout
