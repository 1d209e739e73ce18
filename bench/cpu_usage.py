"""CPU use read from /proc: who used the two cores while the page trained (bench_cnn.py)."""

import os
import time


def _stat(path):
    with open(path) as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    return data[data.index("(") + 1:data.rindex(")")], int(fields[1]), int(fields[11]) + int(fields[12])


def cpu_snapshot():
    """(time, machine busy seconds, {thread label: CPU seconds}) for this script's processes and
    their descendants (the Playwright driver, Chromium); None where /proc is missing."""
    if not os.path.exists("/proc/stat"):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        cpu = [int(v) for v in f.readline().split()[1:]]
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                parents[int(name)] = _stat(f"/proc/{name}/stat")[1]
            except (OSError, ValueError):
                pass
    ours, grew = {os.getpid()}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in ours} - ours
        ours |= more
        grew = bool(more)
    threads = {}
    for pid in ours:
        try:
            with open(f"/proc/{pid}/cmdline") as f:
                cmd = f.read()
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        kind = ("renderer" if "--type=renderer" in cmd else "GPU process" if "--type=gpu" in cmd
                else "other Chromium processes" if "chromium" in cmd else "this script and the Playwright driver")
        for task in tasks:
            try:
                comm, _, ticks = _stat(f"/proc/{pid}/task/{task}/stat")
            except (OSError, ValueError):
                continue
            named = {"chromium": "the page's main thread", "DedicatedWorker": "the page's web workers"}
            label = kind if kind != "renderer" else named.get(comm, "renderer, other threads")
            threads[(pid, task, label)] = ticks / tick
    return time.monotonic(), (sum(cpu[:3]) + sum(cpu[5:7])) / tick, threads


def cpu_between(before, after):
    """{label: cores used on average} between two snapshots, and "other processes on the machine"."""
    if before is None or after is None:
        return {}
    wall, used = after[0] - before[0], {}
    for key, seconds in after[2].items():
        used[key[2]] = used.get(key[2], 0.0) + seconds - before[2].get(key, 0.0)
    ours = sum(used.values())
    used["other processes on the machine"] = max(0.0, after[1] - before[1] - ours)
    return {label: seconds / wall for label, seconds in sorted(used.items(), key=lambda kv: -kv[1])}
