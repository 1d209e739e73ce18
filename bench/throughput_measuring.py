"""Taking the throughput benchmark's measurements on a shared machine: the engines take turns
(measure_all), and LoadMeter tells how much CPU other processes used meanwhile, so that a disturbed
measurement can be retaken. Imported by bench_throughput.py.
"""

import os
import sys
import time

from throughput_engines import BATCH_SIZES

MAX_RETRIES = 2  # measurements retaken because the machine was busy, at most (each costs 5-15 s)


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class LoadMeter:
    """How much CPU the rest of the machine used while something was measured: all busy time
    (/proc/stat) minus this script's own processes and their descendants (the browser, the native
    child). Linux only; elsewhere it measures nothing."""

    def __init__(self):
        self.works = os.path.exists("/proc/stat")
        self.ticks = os.sysconf("SC_CLK_TCK") if self.works else 100

    def _processes(self):
        """{pid: (parent pid, CPU seconds)}"""
        table = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            table[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / self.ticks)
        return table

    def snapshot(self):
        if not self.works:
            return None
        with open("/proc/stat") as f:
            cpu = [int(v) for v in f.readline().split()[1:]]
        busy = sum(cpu[:3]) + sum(cpu[5:7])  # user, nice, system, irq, softirq
        steal = cpu[7] if len(cpu) > 7 else 0
        processes = self._processes()
        children = {}
        for pid, (parent, _) in processes.items():
            children.setdefault(parent, []).append(pid)
        own, todo = {}, [os.getpid()]
        while todo:
            pid = todo.pop()
            if pid in processes:
                own[pid] = processes[pid][1]
            todo.extend(children.get(pid, []))
        return time.monotonic(), busy / self.ticks, steal / self.ticks, own

    def wait_quiet(self, threshold, longest=8.0, window=0.5):
        """Waits (at most `longest` seconds) until other processes use at most `threshold` cores."""
        deadline = time.monotonic() + longest
        while time.monotonic() < deadline:
            before = self.snapshot()
            time.sleep(window)
            if self.between(before, self.snapshot()).get("other_cores", 0.0) <= threshold:
                return True
        return False

    @staticmethod
    def between(before, after):
        """{"own_cores", "other_cores", "steal_cores"}: average cores used by this script's processes,
        by all others, and taken by the hypervisor."""
        if before is None or after is None:
            return {}
        wall = after[0] - before[0]
        own = sum(t - before[3].get(pid, 0.0) for pid, t in after[3].items())
        return {"own_cores": own / wall, "other_cores": max(0.0, (after[1] - before[1] - own) / wall),
                "steal_cores": (after[2] - before[2]) / wall}


def measure_all(engines, args, meter):
    """Every engine at every batch size, --repeats times, the engines taking turns so that a slow
    spell of the machine does not fall on one alone. A measurement during which other processes used
    more than --retry-load cores is taken once more when the machine is quiet again (at most
    MAX_RETRIES times in all), keeping the less disturbed of the two."""
    results = {key: {b: [] for b in BATCH_SIZES} for key in engines}
    retried = 0
    for run in range(args.repeats):
        for key, engine in engines.items():
            repeats = getattr(engine, "repeats", None) or args.repeats
            if run >= repeats:
                continue
            for batch_size in BATCH_SIZES:
                attempts = []
                while True:
                    before = meter.snapshot()
                    result = engine.measure(batch_size, args.seconds, run)
                    result.update(meter.between(before, meter.snapshot()))
                    attempts.append(result)
                    other = result.get("other_cores", 0.0)
                    log(f"run {run + 1}/{repeats} {key} batch {batch_size}: {result['samples_per_sec']:,.0f} "
                        f"samples/s" + (f" (other load {other:.2f} cores)" if "other_cores" in result else ""))
                    if len(attempts) > 1 or not args.retry_load or other <= args.retry_load or \
                            retried >= MAX_RETRIES:
                        break
                    retried += 1
                    meter.wait_quiet(args.retry_load)
                results[key][batch_size].append(min(attempts, key=lambda r: r.get("other_cores", 0.0)))
    return results, retried
