#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`connmon agent` against node_exporter, netdata and sadc, same run (issue 7).

    bench/agent/run.py BUILD_DIR [SECONDS]       (root; BUILD_DIR a release build)

For each load (idle, 10,000 and 100,000 established loopback TCP connections
held by bench/cm-fixture) in a network namespace of its own, the script
starts, inside that namespace (ip netns exec), all at once:

  connmon agent --interval 1 (its own database, /metrics on 127.0.0.1:9556)
  prometheus-node-exporter --collector.tcpstat (127.0.0.1:9100)
  netdata -D (update every 1 s, a config and directories of its own, web on
              127.0.0.1:19999, registry, cloud and alarm notifications off)
  sadc 1 (sysstat, into a file of its own)

A scraper (bench/agent/scrape.py, a process of its own whose CPU counts for
nobody) GETs the agent's and node_exporter's /metrics once a second.  After
WARMUP_S (default 15) the measurement window of SECONDS (default 60) starts:
CPU is utime + stime (+ the children's) from /proc/PID/stat over each
collector's whole process tree (bench/agent/proctree.py), in % of one core;
memory is the peak over the window of VmHWM summed over the tree.
At 100,000 connections a second window of the same length follows, with the
agent scraped 10 times a second: the CPU of its listener thread
(libmicrohttpd's "MHD-single", /proc/PID/task/TID/schedstat) per scrape is
the cost of a scrape; the agent's whole CPU in that window against the first
is printed beside it.

Goals (exit 1 when one is missed): agent CPU <= 0.25 x node_exporter's and
<= 0.5 x netdata's at every load; agent peak RSS at 100,000 connections
<= 48 MiB; a /metrics scrape at 100,000 connections <= 5 ms of the agent's
CPU.  Exit 2 when the set-up fails or a collector does not see the
namespace's sockets, 77 without root.

Environment: LOADS (a list of idle,10k,100k; default all three), WARMUP_S,
SCRAPE_RATE (scrapes per second in the scrape-cost window, default 10),
KEEP=1 (keep the temporary directory with every log and database).
Prints markdown tables (docs/PERFORMANCE.md, "The agent").
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proctree  # noqa: E402

LOADS = {"idle": 0, "10k": 10000, "100k": 100000}
CONN_PER_PROC = 500  # cm-fixture -c: 20 processes for 10k, 200 for 100k
GOAL_VS_NODE = 0.25
GOAL_VS_NETDATA = 0.5
GOAL_RSS_MIB = 48.0
GOAL_SCRAPE_MS = 5.0
PORTS = {"agent": 9556, "node": 9100, "netdata": 19999}
NODE = "/usr/bin/prometheus-node-exporter"
NETDATA = "/usr/sbin/netdata"
SADC = "/usr/lib/sysstat/sadc"
WATCH = [
    "connmon_agent_census_period_seconds",
    "connmon_agent_census_sockets",
    "connmon_agent_series",
    'connmon_tcp_sockets{state="established"}',
    'node_tcp_connection_states{state="established"}',
    'node_scrape_collector_duration_seconds{collector="tcpstat"}',
]
ESTABLISHED = {"agent": 'connmon_tcp_sockets{state="established"}',
               "node": 'node_tcp_connection_states{state="established"}'}
NAMES = {"agent": "connmon agent", "node": "node_exporter + tcpstat",
         "netdata": "netdata", "sadc": "sadc 1"}


class SetupError(Exception):
    pass


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


class Bench:
    def __init__(self, build, seconds):
        self.build = os.path.abspath(build)
        self.cm = os.path.join(self.build, "connmon")
        self.fixture_bin = os.path.join(self.build, "bench", "cm-fixture")
        self.seconds = seconds
        self.warmup = float(os.environ.get("WARMUP_S", "15"))
        self.scrape_rate = float(os.environ.get("SCRAPE_RATE", "10"))
        self.here = os.path.dirname(os.path.abspath(__file__))
        self.ns = f"cmagentbench{os.getpid()}"
        self.tmp = tempfile.mkdtemp(prefix="cmagentbench.")
        os.chmod(self.tmp, 0o755)  # netdata runs as its own user
        self.procs = []  # every Popen we started, for cleanup

    # ---- namespace, fixture, processes ----

    def nsexec(self, args):
        return ["ip", "netns", "exec", self.ns] + args

    def spawn(self, args, out, env=None):
        with open(os.path.join(self.tmp, out), "wb") as f:
            p = subprocess.Popen(self.nsexec(args), stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=env, cwd=self.tmp)
        self.procs.append(p)
        return p

    def make_namespace(self):
        self.drop_namespace()  # one an interrupted load left
        run(["ip", "netns", "add", self.ns])
        run(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        run(self.nsexec(["sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65000"]))
        run(self.nsexec(["sysctl", "-qw", "net.core.somaxconn=4096"]))

    def start_fixture(self, conns, lifetime_s):
        nproc = conns // CONN_PER_PROC
        p = self.spawn([self.fixture_bin, "-p", str(nproc), "-c", str(CONN_PER_PROC),
                        "-t", str(int(lifetime_s))], "fixture.out")
        out = os.path.join(self.tmp, "fixture.out")
        for _ in range(1200):  # 120 s
            with open(out, "rb") as f:
                if f.read().startswith(b"ready"):
                    break
            if p.poll() is not None:
                raise SetupError("cm-fixture exited: " + open(out).read().strip())
            time.sleep(0.1)
        else:
            raise SetupError("cm-fixture did not become ready in 120 s")
        est = run(self.nsexec(["ss", "-tanH", "state", "established"])).count("\n")
        if est < 2 * conns:
            raise SetupError(f"ss sees {est} established sockets, expected {2 * conns}")
        return p

    def stop(self, p, timeout_s=20):
        """SIGTERM to p, then SIGKILL to what is left of its tree (by PID)."""
        if p.poll() is not None:
            return
        pids = proctree.descendants(p.pid, proctree.scan_proc())
        starts = {pid: proctree.read_stat(pid) for pid in pids}
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout_s)
        except subprocess.TimeoutExpired:
            pass
        for pid, old in starts.items():
            now = proctree.read_stat(pid)
            if old and now and now.start == old.start:
                os.kill(pid, signal.SIGKILL)
        if p.poll() is None:
            p.wait(5)

    def cleanup(self):
        for p in reversed(self.procs):
            try:
                self.stop(p, 10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.drop_namespace()
        if not os.environ.get("KEEP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def drop_namespace(self):
        """Kills by PID what is left in our namespace (all of it ours), deletes it."""
        for _ in range(100):
            r = subprocess.run(["ip", "netns", "pids", self.ns], capture_output=True, text=True)
            pids = [int(x) for x in r.stdout.split()]
            if r.returncode or not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.1)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)

    # ---- the collectors ----

    def netdata_conf(self, d):
        for sub in ("cache", "lib", "log", "lock"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        run(["chown", "-R", "netdata:netdata", d])
        path = os.path.join(d, "netdata.conf")
        with open(path, "w") as f:
            f.write(f"""[global]
\trun as user = netdata
[db]
\tupdate every = 1
[directories]
\tcache = {d}/cache
\tlib = {d}/lib
\tlog = {d}/log
\tlock = {d}/lock
[logs]
\terror = {d}/log/error.log
\taccess = none
\tdebug = none
[web]
\tbind to = 127.0.0.1:{PORTS['netdata']}
[registry]
\tenabled = no
[cloud]
\tenabled = no
[health]
\tscript to execute on alarm = /bin/true
""")
        return path

    def start_collectors(self, d):
        conf = os.path.join(d, "agent.conf")
        with open(conf, "w") as f:
            f.write("# bench/agent/run.py: defaults, with the command line's overrides\n[agent]\n")
        env = dict(os.environ, DO_NOT_TRACK="1", DISABLE_TELEMETRY="1")
        return {
            "agent": self.spawn([self.cm, "agent", "--config", conf, "--db",
                                 os.path.join(d, "agent.db"), "--interval", "1", "--listen",
                                 f"127.0.0.1:{PORTS['agent']}"], "agent.log"),
            "node": self.spawn([NODE, "--collector.tcpstat",
                                f"--web.listen-address=127.0.0.1:{PORTS['node']}"], "node.log"),
            "netdata": self.spawn([NETDATA, "-D", "-c", self.netdata_conf(os.path.join(d, "nd"))],
                                  "netdata.log", env),
            "sadc": self.spawn([SADC, "1", os.path.join(d, "sa")], "sadc.log"),
        }

    def fetch(self, path_port, out):
        """One GET inside the namespace; the body, or None."""
        port, path = path_port
        r = subprocess.run(self.nsexec(["python3", os.path.join(self.here, "scrape.py"),
                                        "--once", f"http://127.0.0.1:{port}{path}", out]),
                           capture_output=True)
        if r.returncode:
            return None
        with open(out, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_up(self, colls, d):
        checks = {"agent": (PORTS["agent"], "/metrics"), "node": (PORTS["node"], "/metrics"),
                  "netdata": (PORTS["netdata"], "/api/v1/info")}
        for name, pp in checks.items():
            for _ in range(60):  # 30 s
                if colls[name].poll() is not None:
                    raise SetupError(f"{NAMES[name]} exited; see its log:\n" +
                                     tail(os.path.join(self.tmp, name + ".log")))
                if self.fetch(pp, os.path.join(d, "up")) is not None:
                    break
                time.sleep(0.5)
            else:
                raise SetupError(f"{NAMES[name]} does not answer on port {pp[0]}")

    def start_scraper(self, log, max_s, targets):
        args = ["python3", os.path.join(self.here, "scrape.py"), "--log", log,
                "--max-seconds", str(int(max_s))]
        for w in WATCH:
            args += ["--watch", w]
        return self.spawn(args + targets, os.path.basename(log) + ".out")

    # ---- one load ----

    def window(self, trees, seconds):
        """Samples the trees each second for `seconds`; returns (t0, t1) wall clock."""
        procs = proctree.scan_proc()
        for t in trees.values():
            t.update(procs)  # what came before the window is not charged to it
            t.mark()
        t0, m0 = time.time(), time.monotonic()
        k = 1
        while time.monotonic() - m0 < seconds:
            time.sleep(max(0.0, m0 + k - time.monotonic()))
            k += 1
            procs = proctree.scan_proc()
            for t in trees.values():
                t.update(procs)
        return t0, time.time()

    def measure_load(self, load):
        conns = LOADS[load]
        d = os.path.join(self.tmp, load)
        os.makedirs(d)
        os.chmod(d, 0o755)
        res = {"load": load, "conns": conns}
        extra = self.seconds if conns >= 100000 else 0
        fixture = None
        # A namespace per load: the sockets a fixture leaves closing (FIN_WAIT,
        # TIME_WAIT) die with it instead of counting at the next load.
        self.make_namespace()
        if conns:
            fixture = self.start_fixture(conns, self.warmup + self.seconds + extra + 300)
        res["host"] = host_sockets()
        colls = self.start_collectors(d)
        trees = {n: proctree.Tree(p.pid) for n, p in colls.items()}
        self.wait_up(colls, d)
        log = os.path.join(d, "scrapes")
        url = "http://127.0.0.1:{}/metrics@{}"
        scraper = self.start_scraper(log, self.warmup + self.seconds + extra + 60,
                                     [f"agent={url.format(PORTS['agent'], 1)}",
                                      f"node={url.format(PORTS['node'], 1)}"])
        self.window(trees, self.warmup)  # warm-up: trees tracked, not charged
        mhd0 = proctree.thread_run_ns(colls["agent"].pid, "MHD-single")
        t0, t1 = self.window(trees, self.seconds)
        mhd1 = proctree.thread_run_ns(colls["agent"].pid, "MHD-single")
        for n, t in trees.items():
            if t.gone:
                raise SetupError(f"{NAMES[n]} exited during the measurement; its log:\n" +
                                 tail(os.path.join(self.tmp, n + ".log")))
            res[n] = {"cpu_pct": 100.0 * t.cpu_s() / (t1 - t0), "rss_mib": t.peak_kib / 1024.0}
        res["scrapes"] = read_log(log, t0, t1)
        res["mhd_ms"] = None if mhd0 is None or mhd1 is None else (mhd1 - mhd0) / 1e6
        if extra:
            res["cost"] = self.scrape_cost(colls, trees, d, res, t1 - t0)
        res["netdata_tcp"] = self.netdata_tcp(d)
        res["records"] = self.records(d)
        scraper.send_signal(signal.SIGTERM)
        scraper.wait(15)
        for name in ("agent", "node", "netdata", "sadc"):
            self.stop(colls[name])
        res["sar"] = sar_sock(os.path.join(d, "sa"))
        if fixture:
            self.stop(fixture, 60)
        self.drop_namespace()
        res["problems"] = check_seen(res)
        return res

    def records(self, d):
        """What the last /metrics bodies hold, counted by series name."""
        out = {}
        for name in ("agent", "node"):
            # The agent's census series are in /metrics only after a tick that
            # ran the census: wait for one (the period is at most 10 s).
            for _ in range(15):
                body = self.fetch((PORTS[name], "/metrics"),
                                  os.path.join(d, name + ".metrics")) or ""
                if name != "agent" or "\nconnmon_tcp_sockets{" in body:
                    break
                time.sleep(1)
            count, est = {}, None
            for line in body.splitlines():
                if line and not line.startswith("#"):
                    key = line.split("{", 1)[0].split(" ", 1)[0]
                    count[key] = count.get(key, 0) + 1
                    if line.startswith(ESTABLISHED[name] + " "):
                        est = float(line.rsplit(" ", 1)[1])
            count["samples"] = sum(count.values())
            count["established"] = est
            out[name] = count
        return out

    def scrape_cost(self, colls, trees, d, res, len1):
        """A second window with the agent scraped SCRAPE_RATE times a second."""
        log = os.path.join(d, "fast")
        rate = self.scrape_rate - 1  # the 1/s scraper goes on
        fast = self.start_scraper(log, self.seconds + 30,
                                  [f"agent=http://127.0.0.1:{PORTS['agent']}/metrics@{rate}"])
        time.sleep(2)  # its start-up outside the window
        mhd0 = proctree.thread_run_ns(colls["agent"].pid, "MHD-single")
        cpu1 = res["agent"]["cpu_pct"] / 100.0
        n1 = res["scrapes"]["agent"]["ok"] / len1
        t0, t1 = self.window({"agent": trees["agent"]}, self.seconds)
        mhd1 = proctree.thread_run_ns(colls["agent"].pid, "MHD-single")
        fast.send_signal(signal.SIGTERM)
        fast.wait(15)
        slow = read_log(os.path.join(d, "scrapes"), t0, t1)["agent"]["ok"]
        n2 = (read_log(log, t0, t1)["agent"]["ok"] + slow)
        cpu2 = trees["agent"].cpu_s() / (t1 - t0)
        out = {"scrapes": n2, "seconds": t1 - t0, "cpu_pct": 100.0 * cpu2,
               "thread_ms": None if mhd0 is None or mhd1 is None or not n2
               else (mhd1 - mhd0) / 1e6 / n2}
        per_s = n2 / (t1 - t0) - n1
        out["ab_ms"] = 1000.0 * (cpu2 - cpu1) / per_s if per_s > 0 else None
        return out

    def netdata_tcp(self, d):
        """What netdata keeps of TCP: its sockstat chart and CurrEstab, last second."""
        out = {}
        for chart in ("ipv4.sockstat_tcp_sockets", "ipv4.tcpsock"):
            body = self.fetch((PORTS["netdata"], f"/api/v1/data?chart={chart}&after=-2&points=1"
                               "&format=json&options=jsonwrap"), os.path.join(d, chart))
            out[chart] = parse_netdata(body)
        return out


# ---- reading what the collectors left ----

def tail(path, n=8):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no log)"


def host_sockets():
    """TCP sockets in the host's namespace, and allocated in every namespace."""
    host_ns = run(["ss", "-tanH"]).count("\n")
    alloc = None
    with open("/proc/net/sockstat") as f:
        for line in f:
            w = line.split()
            if w and w[0] == "TCP:" and "alloc" in w:
                alloc = int(w[w.index("alloc") + 1])
    return {"host_ns": host_ns, "alloc": alloc}


def read_log(path, t0, t1):
    """Per target: scrapes in [t0, t1), OK ones, mean latency, watched values."""
    out = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 5 or not t0 <= float(w[1]) < t1:
                continue
            s = out.setdefault(w[0], {"n": 0, "ok": 0, "lat": 0.0, "bytes": 0, "watch": {}})
            s["n"] += 1
            if w[3] != "200":
                continue
            s["ok"] += 1
            s["lat"] += float(w[2])
            s["bytes"] = int(w[4])
            for kv in w[5:]:
                k, _, v = kv.rpartition("=")
                s["watch"].setdefault(k, []).append(float(v))
    for s in out.values():
        s["lat_ms"] = 1000.0 * s["lat"] / s["ok"] if s["ok"] else None
    return out


def parse_netdata(body):
    import json
    if not body:
        return {}
    try:
        j = json.loads(body)
        labels, row = j["result"]["labels"], j["result"]["data"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return {}
    return {k: v for k, v in zip(labels[1:], row[1:])}


def sar_sock(path):
    """sar -n SOCK's averages over the file sadc wrote: totsck, tcpsck, tcp-tw..."""
    try:
        text = run(["sar", "-n", "SOCK", "-f", path], env=dict(os.environ, LC_ALL="C"))
    except (OSError, subprocess.CalledProcessError):
        return {}
    head = avg = None
    for line in text.splitlines():
        w = line.split()
        if "tcpsck" in w:
            head = w
        elif w and w[0] == "Average:":
            avg = w
    if not head or not avg:
        return {}
    off = len(head) - len(avg)
    return {head[i]: float(avg[i - off]) for i in range(len(head)) if i - off >= 1}


def check_seen(res):
    """Every collector that counts sockets must see the namespace's: the problems."""
    want = 2 * res["conns"]
    if not want:
        return []
    seen = {
        "connmon agent (established)": res["records"]["agent"].get("established"),
        "node_exporter (established)": res["records"]["node"].get("established"),
        "netdata (tcp inuse)": res["netdata_tcp"].get("ipv4.sockstat_tcp_sockets", {}).get("inuse"),
        "sadc (tcpsck)": res["sar"].get("tcpsck"),
    }
    return [f"{label(res)}: {who} saw {v} TCP sockets, the namespace holds {want}: "
            "it does not look at the fixture's namespace"
            for who, v in seen.items() if v is None or v < want]


# ---- the report ----

def fmt(v, spec, unit=""):
    return "n/a" if v is None else format(v, spec) + unit


def versions(cm):
    def first_line(args):
        try:
            r = subprocess.run(args, capture_output=True, text=True, timeout=10)
            return (r.stdout or r.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"
    return "; ".join([first_line([cm, "--version"]), first_line([NODE, "--version"]),
                      first_line([NETDATA, "-v"]), first_line([SADC, "-V"])])


class Report:
    def __init__(self, results, seconds):
        self.results, self.seconds, self.failures = results, seconds, 0

    def verdict(self, ok):
        self.failures += 0 if ok else 1
        return "PASS" if ok else "FAIL"

    def figures(self):
        print("| load | TCP sockets: host namespace / every namespace | "
              + " | ".join(NAMES[n] for n in ("agent", "node", "netdata", "sadc")) + " |")
        print("| --- | --- | --- | --- | --- | --- |")
        for r in self.results:
            cells = []
            for n in ("agent", "node", "netdata", "sadc"):
                c = f"{r[n]['cpu_pct']:.2f} % / {r[n]['rss_mib']:.1f} MiB"
                s = r["scrapes"].get(n)
                if s:
                    c += f" ({fmt(s['lat_ms'], '.1f')} ms per scrape, {s['ok']}/{s['n']} ok)"
                cells.append(c)
            h = r["host"]
            print(f"| {label(r)} | {h['host_ns']:,} / {fmt(h['alloc'], ',')} | "
                  + " | ".join(cells) + " |")

    def ratios(self):
        print("| load | census period s | census sockets | scrapes with TCP states | agent CPU | "
              f"/ node_exporter | ≤ {GOAL_VS_NODE} | / netdata | ≤ {GOAL_VS_NETDATA} |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in self.results:
            a, n, d = (r[k]["cpu_pct"] for k in ("agent", "node", "netdata"))
            rn = a / n if n > 0 else None
            rd = a / d if d > 0 else None
            w = r["scrapes"].get("agent", {}).get("watch", {})
            per = w.get("connmon_agent_census_period_seconds", [])
            socks = w.get("connmon_agent_census_sockets", [])
            period = "n/a" if not per else (f"{min(per):g}" if min(per) == max(per)
                                            else f"{min(per):g}–{max(per):g} (last {per[-1]:g})")
            states = len(w.get('connmon_tcp_sockets{state="established"}', []))
            ok = r["scrapes"].get("agent", {}).get("ok", 0)
            vn = self.verdict(rn is not None and rn <= GOAL_VS_NODE)
            vd = self.verdict(rd is not None and rd <= GOAL_VS_NETDATA)
            print(f"| {label(r)} | {period} | {fmt(socks[-1] if socks else None, ',.0f')} | "
                  f"{states}/{ok} | {a:.2f} % | {fmt(rn, '.3f')} | {vn} | "
                  f"{fmt(rd, '.3f')} | {vd} |")

    def big(self):
        big = [r for r in self.results if r["conns"] >= 100000]
        if not big:
            print("(100,000 connections not measured: the memory and scrape goals are not checked)")
            return
        r = big[0]
        c = r["cost"]
        rss = r["agent"]["rss_mib"]
        print("| at 100,000 connections | measured | goal | result |")
        print("| --- | --- | --- | --- |")
        print(f"| agent peak RSS (VmHWM) | {rss:.1f} MiB | ≤ {GOAL_RSS_MIB:g} MiB | "
              f"{self.verdict(rss <= GOAL_RSS_MIB)} |")
        t = c["thread_ms"]
        print(f"| CPU per /metrics scrape, listener thread ({c['scrapes']} scrapes in "
              f"{c['seconds']:.0f} s) | {fmt(t, '.3f', ' ms')} | ≤ {GOAL_SCRAPE_MS:g} ms | "
              f"{self.verdict(t is not None and t <= GOAL_SCRAPE_MS)} |")
        print(f"| the same, whole agent: CPU at {c['scrapes'] / c['seconds']:.1f} scrapes/s "
              f"({c['cpu_pct']:.2f} %) minus at 1/s ({r['agent']['cpu_pct']:.2f} %), per scrape | "
              f"{fmt(c['ab_ms'], '.3f', ' ms')} | (reference: ± the census's noise) | - |")
        if r.get("mhd_ms") is not None:
            n = r["scrapes"]["agent"]["ok"]
            print(f"| listener thread in the first window ({n} scrapes) | "
                  f"{r['mhd_ms'] / max(n, 1):.3f} ms | (reference) | - |")

    def records(self):
        print("| load | connmon agent | node_exporter + tcpstat | netdata | sadc 1 |")
        print("| --- | --- | --- | --- | --- |")
        for r in self.results:
            ag, no = r["records"]["agent"], r["records"]["node"]
            est, nest = ag.get("established"), no.get("established")
            agent = (f"established {fmt(est, ',.0f')}; {ag.get('connmon_tcp_sockets', 0)} states, "
                     f"{ag.get('connmon_tcp_port_sockets', 0)} per-port, "
                     f"{ag.get('connmon_tcp_peer_sockets', 0)} per-peer, "
                     f"{ag.get('connmon_process_rx_bytes_total', 0)} per-process traffic series; "
                     f"{ag['samples']} samples per scrape")
            node = (f"established {fmt(nest, ',.0f')}; "
                    f"{no.get('node_tcp_connection_states', 0)} states; "
                    f"{no['samples']} samples per scrape")
            st = r["netdata_tcp"].get("ipv4.sockstat_tcp_sockets", {})
            ce = r["netdata_tcp"].get("ipv4.tcpsock", {})
            nd = ("totals: " + ", ".join(f"{k} {v:,.0f}" for k, v in st.items() if v is not None)
                  + "; " + ", ".join(f"CurrEstab {v:,.0f}" for v in ce.values() if v is not None))
            sa = r["sar"]
            sadc = "totals: " + ", ".join(f"{k} {sa[k]:,.0f}" for k in ("tcpsck", "tcp-tw")
                                          if k in sa)
            print(f"| {label(r)} | {agent} | {node} | {nd} | {sadc} |")


def label(r):
    return "idle" if not r["conns"] else f"{r['conns']:,} connections"


def main():
    if len(sys.argv) not in (2, 3) or not os.path.isdir(sys.argv[1]):
        print(__doc__, file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("needs root")
        return 77
    seconds = float(sys.argv[2]) if len(sys.argv) == 3 else 60.0
    loads = os.environ.get("LOADS", "idle,10k,100k").split(",")
    bad = [x for x in loads if x not in LOADS]
    missing = [t for t in ("ip", "ss", "sar", "python3", NODE, NETDATA, SADC)
               if not shutil.which(t)]
    b = Bench(sys.argv[1], seconds)
    missing += [f for f in (b.cm, b.fixture_bin) if not os.access(f, os.X_OK)]
    if bad or missing:
        print(f"bench: unknown loads {bad} (of {','.join(LOADS)}) or missing {missing} "
              "(scripts/setup.sh bench installs the peers; ninja -C BUILD_DIR builds connmon)",
              file=sys.stderr)
        shutil.rmtree(b.tmp, ignore_errors=True)
        return 2

    def on_signal(signum, _):
        raise SystemExit(128 + signum)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    results = []
    try:
        for load in loads:
            print(f"load {load}: {WARMUP_NOTE.format(b.warmup, seconds)}", flush=True)
            results.append(b.measure_load(load))
    except (SetupError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"bench: {e}", file=sys.stderr)
        if isinstance(e, subprocess.CalledProcessError):
            print(e.stderr, file=sys.stderr)
        return 2
    finally:
        b.cleanup()
        if os.environ.get("KEEP"):
            print(f"bench: logs kept in {b.tmp}")
    problems = [p for r in results for p in r["problems"]]
    rep = Report(results, seconds)
    print()
    print(f"{os.cpu_count()} CPUs, kernel {os.uname().release}; {versions(b.cm)}")
    print(f"Each collector collecting every second, {seconds:g} s after {b.warmup:g} s of "
          "warm-up; CPU in % of one core, whole process tree; peak RSS = VmHWM summed:")
    print()
    rep.figures()
    print()
    rep.ratios()
    print()
    rep.big()
    print()
    print("What each one records (the last scrape or second of the window):")
    print()
    rep.records()
    print()
    if problems:
        print("bench: the figures above are not valid:\n  " + "\n  ".join(problems))
        return 2
    if rep.failures:
        print(f"bench: {rep.failures} goal(s) not met")
        return 1
    print("bench: every goal met")
    return 0


WARMUP_NOTE = "collectors up, {:g} s of warm-up, {:g} s measured"

if __name__ == "__main__":
    sys.exit(main())
