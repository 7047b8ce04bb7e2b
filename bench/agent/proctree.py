# SPDX-License-Identifier: GPL-2.0-or-later
"""CPU time and peak memory of process trees, from /proc (bench/agent/run.py).

A tree is a root PID and all its descendants at the moment of each scan.
Call scan_proc() about once a second and hand the result to every Tree's
update(); mark() starts a measurement window, and cpu_s() is the CPU the
tree spent since then.

CPU is utime + stime + cutime + cstime of /proc/PID/stat (the kernel
scales utime + stime to the precise run time, reported in USER_HZ ticks),
so threads that exited and children that the tree reaped count too: a
short-lived helper that a plugin forks and waits for between two scans is
in its parent's cutime.  Per interval between two scans the tree is
charged:
  - for a process in both scans, its increase;
  - for a process born since the previous scan, everything it has used;
  - for a process that vanished, nothing of its own; its parent's cutime
    increase covers its whole life if the parent reaped it, so the CPU
    already charged for it is taken back from that increase (at most that
    increase: a parent that lets the kernel reap its children never sees
    their CPU, and then the vanished process's last partial interval is
    lost rather than charged twice).
A process is identified by (PID, start time), so a reused PID is a new
process.

Peak memory is the largest sum of VmHWM over the tree's processes seen at
any scan: each process's own high-water mark of resident memory, summed.
"""
import os

HZ = os.sysconf("SC_CLK_TCK")


class Proc:
    __slots__ = ("pid", "ppid", "start", "own", "kids")

    def __init__(self, pid, ppid, start, own, kids):
        self.pid, self.ppid, self.start, self.own, self.kids = pid, ppid, start, own, kids

    def total(self):
        return self.own + self.kids


def read_stat(pid):
    """A Proc from /proc/PID/stat, or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    # The command name is in parentheses and may hold anything, blanks too.
    rest = data[data.rindex(b")") + 2:].split()
    # rest[0] is field 3 (state); field N is rest[N - 3].
    return Proc(pid, int(rest[1]), int(rest[19]), int(rest[11]) + int(rest[12]),
                int(rest[13]) + int(rest[14]))


def scan_proc():
    """Every process on the host: {pid: Proc}."""
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            p = read_stat(int(name))
            if p is not None:
                procs[p.pid] = p
    return procs


def read_hwm_kib(pid):
    """VmHWM of the process in KiB, 0 if unknown (gone, or a zombie)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(root, procs):
    """The PIDs of root and its descendants among procs (root first)."""
    children = {}
    for p in procs.values():
        children.setdefault(p.ppid, []).append(p.pid)
    out, todo = [], [root] if root in procs else []
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


class Tree:
    def __init__(self, root):
        self.root = root
        self.prev = {}  # pid -> Proc at the previous scan
        self.ticks = 0  # CPU charged since mark(), in USER_HZ ticks
        self.peak_kib = 0
        self.gone = False

    def update(self, procs):
        pids = descendants(self.root, procs)
        self.gone = not pids
        now = {pid: procs[pid] for pid in pids}
        self.ticks += self._charge(now)
        self.prev = now
        self.peak_kib = max(self.peak_kib, sum(read_hwm_kib(pid) for pid in pids))

    def _charge(self, now):
        prev, ticks, taken = self.prev, 0, {}
        for pid, p in now.items():
            q = prev.get(pid)
            ticks += p.total() - q.total() if q and q.start == p.start else p.total()
        for pid, q in prev.items():
            p = now.get(pid)
            if p and p.start == q.start:
                continue
            parent = now.get(q.ppid)
            old = prev.get(q.ppid)
            if parent and old and parent.start == old.start:
                taken[q.ppid] = taken.get(q.ppid, 0) + q.total()
        for ppid, t in taken.items():
            ticks -= min(t, now[ppid].kids - prev[ppid].kids)
        return ticks

    def mark(self):
        self.ticks = 0

    def cpu_s(self):
        return self.ticks / HZ

    def pids(self):
        return list(self.prev)


def thread_run_ns(pid, comm):
    """Run time in ns (schedstat) of the first thread of pid named comm, or None."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in sorted(tids, key=int):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() != comm:
                    continue
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                return int(f.read().split()[0])
        except OSError:
            continue
    return None
