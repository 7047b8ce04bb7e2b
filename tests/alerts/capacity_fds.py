#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capacity on a process's descriptors: a client (not a listener) near its limit.

In a network namespace it creates: a server, and a client that lowers its
RLIMIT_NOFILE to 100, holds 85 files open and streams to the server (so the
agent's per-process traffic lists it).  The agent (`[rule "capacity"] for = 0s`)
must raise `capacity` with subject pid/comm of the client and resource `fds`,
value >= 80 of 100.  Exit 77 without root.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CM = os.path.abspath(sys.argv[1])
NS = f"cmfds{os.getpid()}"
SERVER = """
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 7200)); s.listen(8); c, _ = s.accept()
end = time.time() + 40
while time.time() < end and c.recv(65536):
    pass
"""
CLIENT = """
import os, resource, socket, time
resource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))
keep = [open("/dev/null") for _ in range(85)]
c = socket.create_connection(("127.0.0.1", 7200))
print(os.getpid(), flush=True)
end = time.time() + 35
while time.time() < end:
    c.sendall(b"x" * 10000)
    time.sleep(0.1)
"""


def main():
    if os.geteuid() != 0:
        print("skip: needs root")
        return 77
    tmp = tempfile.mkdtemp(prefix="cmfds")
    procs = []
    ok = False
    try:
        subprocess.run(["ip", "netns", "add", NS], check=True)
        subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
        nsx = ["ip", "netns", "exec", NS]
        conf = os.path.join(tmp, "c.conf")
        with open(conf, "w") as f:
            f.write('[rule "capacity"]\nfor = 0s\n')
        alerts = os.path.join(tmp, "alerts.jsonl")
        procs.append(subprocess.Popen(nsx + [sys.executable, "-c", SERVER]))
        time.sleep(0.5)
        cli = subprocess.Popen(nsx + [sys.executable, "-c", CLIENT], stdout=subprocess.PIPE,
                               text=True)
        procs.append(cli)
        pid = int(cli.stdout.readline())
        agent = subprocess.Popen(nsx + [CM, "agent", "--config", conf, "--db",
                                        os.path.join(tmp, "h.db"), "--listen", "off",
                                        "--alerts-file", alerts], stderr=subprocess.PIPE)
        procs.append(agent)
        end = time.time() + 30
        while time.time() < end and not ok:
            time.sleep(0.5)
            if not os.path.exists(alerts):
                continue
            for line in open(alerts):
                ev = json.loads(line)
                s = ev["subject"]
                if (ev["rule"] == "capacity" and s.get("resource") == "fds" and
                        s.get("pid") == pid and ev["value"] >= 80 and ev["threshold"] == 80):
                    print("ok: " + ev["summary"])
                    ok = True
        if not ok:
            print("FAIL: no capacity alert on the client's descriptors (pid %d)" % pid)
        agent.send_signal(signal.SIGTERM)
        agent.wait(20)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["ip", "netns", "del", NS])
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
