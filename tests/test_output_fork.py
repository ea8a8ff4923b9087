"""A worker forked by the command (the --jobs pool uses fork) owns none of the parent's temporaries and does not
run the parent's signal handling: a Ctrl-C reaching it before its own set-up must not delete the parent's spool
folder or unwind it as if it were the command."""
from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT

CHILD = """
import os, signal, sys, time
from engine.io import output
output.install_signal_handlers()
folder = output.temporary_folder(sys.argv[1])
pid = os.fork()
if pid == 0:
    os.kill(os.getpid(), signal.SIGINT)   # as a Ctrl-C to the process group reaches a new worker
    time.sleep(0.2)
    os._exit(0 if not output._live and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL else 3)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status), os.path.isdir(folder))
output.release_temporary(folder)
"""


def test_a_forked_worker_leaves_the_parents_temporaries_and_ignores_ctrl_c(tmp_path):
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "True"]
    assert list(tmp_path.iterdir()) == []
