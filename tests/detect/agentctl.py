# SPDX-License-Identifier: GPL-2.0-or-later
"""`connmon agent` in the victim namespace, its alerts file and its nftables table.

    reason = missing_interface(CM, "--alerts-file", "--respond")
    agent = Agent(lab, CM, respond="on", allow=["10.77.1.3"])
    agent.start()
    ev, seen = agent.wait_event("syn_flood", lambda s: s.get("port") == 8080, timeout_s=10)
    agent.blocked("10.77.1.2")
    agent.stop()

The interface is issue 8's (`--alerts-file`, `--respond`, `--allow`,
`--auth-log`); the alert events are docs/JSON.md's ("Alert events",
src/model/alert.c).  Nothing here reads connmon's internals: only what a user
sees (the alerts file, `nft` in the victim's namespace, the exit status).
"""
import datetime
import json
import os
import subprocess
import threading
import time
import traceback

from netlab import log, wait_until

AGENT_OPTIONS = ("--alerts-file", "--respond", "--allow", "--auth-log")


def missing_interface(cm, *options):
    """None when `connmon agent --help` names every option, else the reason to skip."""
    p = subprocess.run([cm, "agent", "--help"], capture_output=True, text=True, timeout=30)
    text = p.stdout + p.stderr
    lacking = [o for o in (options or AGENT_OPTIONS) if o not in text]
    if not lacking:
        return None
    return (f"`connmon agent --help` lacks {', '.join(lacking)}: the detection agent of issue 8 "
            "is not wired yet")


def event_time(text):
    """An event's ISO-8601 UTC time ("2026-11-29T19:12:04.123Z") as Unix seconds."""
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in text else "%Y-%m-%dT%H:%M:%SZ"
    dt = datetime.datetime.strptime(text, fmt)
    return dt.replace(tzinfo=datetime.timezone.utc).timestamp()


def event_problems(ev):
    """What in one alert event breaks docs/JSON.md's shape (an empty list when nothing)."""
    bad = []
    want = {"id": int, "time": str, "rule": str, "severity": str, "status": str, "subject": dict,
            "started_at": str, "summary": str, "actions": list}
    for key, typ in want.items():
        if not isinstance(ev.get(key), typ):
            bad.append(f"{key} missing or not {typ.__name__}")
    for key in ("value", "threshold"):
        if key not in ev or not (ev[key] is None or isinstance(ev[key], (int, float))):
            bad.append(f"{key} missing or not a number")
    if ev.get("severity") not in ("info", "warning", "critical"):
        bad.append(f"severity {ev.get('severity')!r}")
    if ev.get("status") not in ("firing", "resolved"):
        bad.append(f"status {ev.get('status')!r}")
    for key in ("time", "started_at"):
        try:
            event_time(ev.get(key, ""))
        except (TypeError, ValueError):
            bad.append(f"{key} {ev.get(key)!r} is not ISO-8601 UTC")
    for a in ev.get("actions", []) if isinstance(ev.get("actions"), list) else []:
        if a.get("action") not in ("log", "limit", "block", "kill") or "result" not in a:
            bad.append(f"action {a}")
    return bad


def set_elements(doc):
    """Every element of every set in `nft -j list table` output, as text."""
    out = []

    def flat(e):
        if isinstance(e, dict):
            if "elem" in e:
                return flat(e["elem"].get("val") if isinstance(e["elem"], dict) else e["elem"])
            if "prefix" in e:  # a host prefix is the address itself
                p = e["prefix"]
                return p["addr"] if p["len"] in (32, 128) else f"{p['addr']}/{p['len']}"
            if "range" in e:
                return "-".join(map(str, e["range"]))
        return str(e)

    for item in doc.get("nftables", []):
        s = item.get("set")
        if s:
            out += [flat(e) for e in s.get("elem", [])]
    return out


class Agent:
    """One `connmon agent` run inside the lab's victim namespace."""

    def __init__(self, lab, cm, respond="off", allow=(), auth_logs=(), config="", listen="off",
                 plain=False):
        """plain: none of issue 8's options (the agent as it was before them; benchmarks)."""
        self.lab, self.cm, self.plain = lab, cm, plain
        self.respond, self.allow, self.auth_logs = respond, list(allow), list(auth_logs)
        self.config, self.listen = config, listen
        self.db = lab.path("agent.db")
        self.alerts_path = lab.path("alerts.jsonl")
        self.err_path = lab.path("agent.err")
        self.events = []  # (event, wall time it was seen)
        self._offset = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher = None
        self.bad_lines = []
        self.proc = None

    def start(self, settle_s=1.5):
        conf = self.lab.path("agent.conf")
        with open(conf, "w") as f:
            f.write("[agent]\nwrite_interval = 1s\nlog_level = debug\n" + self.config)
        argv = [self.cm, "agent", "--config", conf, "--db", self.db, "--interval", "1",
                "--listen", self.listen]
        if not self.plain:
            argv += ["--alerts-file", self.alerts_path, "--respond", self.respond]
        for a in self.allow:
            argv += ["--allow", a]
        for a in self.auth_logs:
            argv += ["--auth-log", a]
        self.err = open(self.err_path, "w")
        self.proc = self.lab.spawn(self.lab.victim, argv, stderr=self.err)
        ok = wait_until(lambda: self.proc.poll() is not None or "started" in self.log_text(),
                        30, 0.1, "the agent's start")
        if not ok or self.proc.poll() is not None:
            raise AssertionError(f"the agent did not start (exit {self.proc.poll()}):\n"
                                 + self.log_text()[-2000:])
        time.sleep(settle_s)  # one tick: the first rates exist
        # The file is read every 20 ms on a thread of its own, so an event's
        # "seen" time does not depend on what the test was doing meanwhile.
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()
        log(f"agent up: respond={self.respond} allow={self.allow}")

    def _watch(self, max_s=1800):
        end = time.monotonic() + max_s
        while not self._stop.wait(0.02) and time.monotonic() < end:
            try:
                self.poll()
            except ValueError as e:  # a line that is not JSON: reported by the test
                self.bad_lines.append(str(e))

    def log_text(self):
        try:
            with open(self.err_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def poll(self):
        """Reads the events the agent appended since the last call; returns the new ones."""
        with self._lock:
            return self._poll()

    def _poll(self):
        new = []
        try:
            with open(self.alerts_path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return new
        end = data.rfind(b"\n") + 1  # a line being written is read next time
        self._offset += end
        now = time.time()
        for line in data[:end].splitlines():
            if line.strip():
                ev = json.loads(line)
                self.events.append((ev, now))
                new.append((ev, now))
        return new

    def wait_event(self, rule, subject_pred=lambda s: True, status="firing", timeout_s=10,
                   alert_id=None):
        """The first event of rule with that status whose subject passes subject_pred.

        Returns (event, wall time seen) or (None, None) after timeout_s."""
        def find():
            self.poll()
            with self._lock:
                events = list(self.events)
            for ev, seen in events:
                if (ev.get("rule") == rule and ev.get("status") == status
                        and (alert_id is None or ev.get("id") == alert_id)
                        and subject_pred(ev.get("subject", {}))):
                    return ev, seen
            return None
        got = wait_until(find, timeout_s, 0.02, f"a {status} {rule} event")
        return got if got else (None, None)

    def blocked(self, addr):
        """True when addr is an element of a set in the victim's `inet connmon` table."""
        p = self.lab.run(self.lab.victim, ["nft", "-j", "list", "table", "inet", "connmon"],
                         check=False)
        if p.returncode:
            return False
        return addr in set_elements(json.loads(p.stdout))

    def stop(self):
        """SIGTERM; returns the exit status (0 expected)."""
        rc = self.lab.stop(self.proc, timeout=20)
        self._stop.set()
        if self._watcher:
            self._watcher.join(5)
        self.err.close()
        self.poll()
        if self.bad_lines:
            raise AssertionError(f"lines of the alerts file that are not JSON: {self.bad_lines}")
        bad = [f"{ev.get('rule')} {ev.get('status')}: {p}" for ev, _ in self.events
               for p in event_problems(ev)]
        firing = {ev.get("id") for ev, _ in self.events if ev.get("status") == "firing"}
        bad += [f"resolved id {ev.get('id')} never fired" for ev, _ in self.events
                if ev.get("status") == "resolved" and ev.get("id") not in firing]
        if bad:
            raise AssertionError("alert events unlike docs/JSON.md's: " + "; ".join(bad[:10]))
        return rc


class Verdict:
    """Collects failures and skipped parts; exit() turns them into 0, 1 or 77."""

    def __init__(self, name):
        self.name = name
        self.fails = []
        self.skipped = []

    def fail(self, text):
        print(f"FAIL: {text}", flush=True)
        self.fails.append(text)

    def expect(self, cond, text):
        if not cond:
            self.fail(text)
        return bool(cond)

    def skip(self, text):
        print(f"SKIPPED PART: {text}", flush=True)
        self.skipped.append(text)

    def exit(self):
        if self.fails:
            print(f"{self.name}: {len(self.fails)} failure(s)")
            return 1
        if self.skipped:
            print(f"SKIP: {self.name}: kernel checks passed; skipped: {'; '.join(self.skipped)}")
            return 77
        print(f"{self.name}: ok")
        return 0


def latency(v, what, t0, ev, seen, goal_s=None):
    """Prints the time from t0 (the attack's start) to the event, and checks the goal."""
    if ev is None:
        v.fail(f"{what}: no alert")
        return None
    by_time = event_time(ev["time"]) - t0
    by_seen = seen - t0
    print(f"latency {what}: attack start -> alert {by_seen:.3f} s seen in the file, "
          f"{by_time:.3f} s by the event's time" + (f" (goal <= {goal_s} s)" if goal_s else ""),
          flush=True)
    if goal_s is not None:
        v.expect(by_seen <= goal_s, f"{what}: the alert came {by_seen:.2f} s after the attack "
                 f"started, goal {goal_s} s")
    return by_seen


def block_checks(v, lab, agent, addr, ev, seen, port, src=None):
    """With respond = on: addr reaches the kernel set, its next connection fails, the
    benign client's still works."""
    acts = ev.get("actions", [])
    if not any(a.get("action") == "block" for a in acts):
        # Graded: a rule may log first and block when it escalates (same alert id).
        def escalated():
            agent.poll()
            with agent._lock:
                events = list(agent.events)
            for e, when in events:
                if (e.get("id") == ev.get("id") and e.get("status") == "firing" and
                        any(a.get("action") == "block" for a in e.get("actions", []))):
                    return e, when
            return None
        got = wait_until(escalated, 15, 0.05, f"{ev['rule']} escalated to a block")
        if not got:
            v.fail(f"{ev['rule']} ({ev['severity']}) took no block action: {acts}")
            return
        ev, seen = got
        print(f"{ev['rule']}: blocked at {ev['severity']} (escalated)", flush=True)
    got = wait_until(lambda: agent.blocked(addr), 5, 0.02, f"{addr} in the kernel set")
    if not v.expect(got, f"{addr} never reached the kernel set of `inet connmon`"):
        return
    print(f"latency alert -> kernel block: {time.time() - seen:.3f} s or less (polling)",
          flush=True)
    from scenarios import can_connect
    v.expect(not can_connect(lab, lab.attacker, lab.victim_ip, port, src or addr),
             f"the blocked {addr} still connects to port {port}")
    v.expect(can_connect(lab, lab.benign, lab.victim_ben_ip, port),
             f"the benign client no longer connects to port {port}")


def run_test(name, tag, tools, body):
    """The frame of every detection test: root check, lab, verdict, cleanup.

    body(lab, verdict) runs the scenario and the connmon checks; a
    scenarios.HarnessError (the attack did not reach the kernel) or an
    AssertionError fails the test with its message.  Returns the exit status."""
    from netlab import Lab, need_root
    from scenarios import HarnessError
    need_root(tools)
    v = Verdict(name)
    lab = Lab(tag)
    try:
        lab.setup()
        body(lab, v)
    except HarnessError as e:
        v.fail(f"harness: {e}")
    except AssertionError as e:
        v.fail(str(e))
    except Exception as e:  # noqa: BLE001 - any error fails the test with its story
        traceback.print_exc()
        v.fail(f"{type(e).__name__}: {e}")
    finally:
        agent_log = lab.path("agent.err")
        if v.fails and os.path.exists(agent_log):
            with open(agent_log, errors="replace") as f:
                print("--- the agent's log (last lines) ---\n" + "".join(f.readlines()[-40:]))
        lab.cleanup()
    return v.exit()
