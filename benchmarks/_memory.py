"""Peak memory of the current process, for the benchmarks."""

from __future__ import annotations

import resource


def peak_mb() -> float:
    """Peak resident memory in MB. On Linux this is VmHWM, which starts afresh at exec (unlike
    ru_maxrss, which a child process inherits from a large parent)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
