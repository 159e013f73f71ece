"""Timing shared by the sections of `make bench`."""
import resource
import subprocess
import time


def timed(cmd, repeat):
    """Median wall time and median CPU time (user + system) of the child,
    and its output.  CPU time is what a shared, busy machine does not
    inflate; wall time is what a user waits for."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        walls.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return sorted(walls)[len(walls) // 2], sorted(cpus)[len(cpus) // 2], out
