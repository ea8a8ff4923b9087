"""Run a child process and measure the CPU seconds it used, not the wall time.

The bounded-time tests guard against quadratic or runaway work. Wall time depends on what else the machine runs
(two test workers, other jobs): one such test took 21.8 s of wall time against its 20 s bound while the suite
shared the machine with six other runs, for 4.7 s of its usual wall time. CPU time is the work done."""
from __future__ import annotations

import resource
import subprocess


def run_timed(args, **kwargs) -> tuple[subprocess.CompletedProcess, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
