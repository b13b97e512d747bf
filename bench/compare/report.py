#!/usr/bin/env python3
"""Tables for bench/compare.sh.

    report.py WORKDIR         reads WORKDIR/results/<server>-<scenario>.json (one impetus-bench
                              summary line each) and settings.env; writes results.json and
                              results.md (Markdown, ratios oriented so that > 1 favours Impetus)
    report.py --brief FILE    one line about one summary, for the progress log
"""

import datetime
import json
import os
import platform
import subprocess
import sys

SERVERS = ["impetus", "ejabberd", "prosody"]
TITLES = {"impetus": "Impetus", "ejabberd": "ejabberd", "prosody": "Prosody"}
PEERS = ["ejabberd", "prosody"]
SCENARIOS = ["setup", "login", "idle", "msg", "paced", "presence"]


def dig(d, *path):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def per_login_ms(r):
    cpu, ok = dig(r, "server_cpu", "cpu_s"), r.get("ok")
    return cpu * 1000 / ok if cpu is not None and ok else None


def rss_mib(r):
    kib = dig(r, "server_rss_kib", "before")
    return kib / 1024 if kib is not None else None


# (scenario, label, extractor, better): better is "higher", "lower" or None (no ratio).
METRICS = [
    ("setup", "accounts created in-band (+ existing)",
     lambda r: fmt_pair(dig(r, "register", "created"), dig(r, "register", "existing")), None),
    ("setup", "registrations failed", lambda r: dig(r, "register", "failed"), None),
    ("login", "logins/s", lambda r: r.get("logins_per_s"), "higher"),
    ("login", "login latency p50, ms", lambda r: dig(r, "latency_ms", "p50"), "lower"),
    ("login", "login latency p99, ms", lambda r: dig(r, "latency_ms", "p99"), "lower"),
    ("login", "server CPU per login, ms", per_login_ms, "lower"),
    ("login", "failed logins", lambda r: r.get("failed"), None),
    ("idle", "server KiB per idle session", lambda r: r.get("kib_per_session"), "lower"),
    ("idle", "server RSS at start, MiB", rss_mib, "lower"),
    ("idle", "sessions held (dropped)",
     lambda r: fmt_pair(r.get("sessions"), r.get("dropped")), None),
    ("msg", "msg/s (closed loop)", lambda r: r.get("msgs_per_s"), "higher"),
    ("msg", "latency p50, ms", lambda r: dig(r, "latency_ms", "p50"), "lower"),
    ("msg", "latency p99, ms", lambda r: dig(r, "latency_ms", "p99"), "lower"),
    ("msg", "server CPU per message, µs", lambda r: r.get("server_cpu_us_per_msg"), "lower"),
    ("msg", "server CPU, % of one core", lambda r: dig(r, "server_cpu", "pct_of_wall"), None),
    ("msg", "tool CPU, % of one core", lambda r: dig(r, "tool_cpu", "pct_of_wall"), None),
    ("msg", "lost / duplicated",
     lambda r: fmt_pair(r.get("lost"), r.get("duplicated"), "/"), None),
    ("paced", "msg/s delivered (paced)", lambda r: r.get("msgs_per_s"), None),
    ("paced", "latency p50, ms", lambda r: dig(r, "latency_ms", "p50"), "lower"),
    ("paced", "latency p99, ms", lambda r: dig(r, "latency_ms", "p99"), "lower"),
    ("paced", "server CPU per message, µs", lambda r: r.get("server_cpu_us_per_msg"), "lower"),
    ("paced", "lost / duplicated",
     lambda r: fmt_pair(r.get("lost"), r.get("duplicated"), "/"), None),
    ("presence", "presence deliveries/s (paced)", lambda r: r.get("deliveries_per_s"), None),
    ("presence", "latency p50, ms", lambda r: dig(r, "latency_ms", "p50"), "lower"),
    ("presence", "latency p99, ms", lambda r: dig(r, "latency_ms", "p99"), "lower"),
    ("presence", "subscriptions confirmed / expected",
     lambda r: fmt_pair(dig(r, "subscriptions", "confirmed"),
                        dig(r, "subscriptions", "expected"), "/"), None),
    ("presence", "missing deliveries", lambda r: r.get("missing"), None),
]


def fmt_pair(a, b, sep=" +"):
    if a is None and b is None:
        return None
    if sep == " +":
        return f"{a} (+{b})" if b else f"{a}"
    return f"{a} {sep} {b}"


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int) or float(v).is_integer() and abs(v) >= 100:
        return f"{int(v):,}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ratio(impetus, peer, better):
    if better is None or not isinstance(impetus, (int, float)) or not isinstance(peer, (int, float)):
        return None
    if better == "higher":
        return impetus / peer if peer else None
    return peer / impetus if impetus else None


def load(work):
    raw = {}
    for server in SERVERS:
        for scenario in SCENARIOS:
            path = os.path.join(work, "results", f"{server}-{scenario}.json")
            if os.path.exists(path):
                with open(path) as f:
                    line = f.readline()
                try:
                    raw.setdefault(server, {})[scenario] = json.loads(line)
                except ValueError:
                    raw.setdefault(server, {})[scenario] = {"error": "unreadable summary"}
    return raw


def settings(work):
    out = {}
    path = os.path.join(work, "settings.env")
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(root):
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    rev = "git " + (run(["git", "-C", root, "rev-parse", "--short", "HEAD"]) or "?")
    if run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"]):
        rev += " (with uncommitted changes)"

    def deb(name):
        return run(["dpkg-query", "-W", "-f=${Version}", name]) or "not installed"

    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "impetus": rev,
        "ejabberd": deb("ejabberd"),
        "erlang": deb("erlang-base"),
        "prosody": deb("prosody"),
        "lua": deb("lua5.4"),
        "openssl": run(["openssl", "version"]),
    }


def cell(result, extract):
    if result is None:
        return None, "–"
    if result.get("skipped"):
        return None, "n/a"
    if "error" in result:
        return None, "error"
    try:
        v = extract(result)
    except (TypeError, ZeroDivisionError):
        v = None
    return v, fmt(v)


def report(work):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    raw = load(work)
    conf = settings(work)
    meta = machine(root)
    servers = [s for s in SERVERS if s in raw]
    rows, metrics, notes = [], [], []
    for scenario, label, extract, better in METRICS:
        values, texts = {}, {}
        for s in SERVERS:
            values[s], texts[s] = cell(dig(raw, s, scenario), extract)
        ratios = {p: ratio(values["impetus"], values[p], better) for p in PEERS}
        metrics.append({"scenario": scenario, "metric": label, "better": better,
                        "values": values, "ratios": ratios})
        rows.append([scenario, label] + [texts[s] for s in SERVERS]
                    + ["–" if ratios[p] is None else f"{ratios[p]:.2f}" for p in PEERS])
    mechanisms = {s: {r.get("mechanism") for r in raw.get(s, {}).values() if r.get("mechanism")}
                  for s in SERVERS}
    for s in servers:
        for scenario in SCENARIOS:
            r = dig(raw, s, scenario)
            if r is None:
                continue
            if r.get("skipped"):
                notes.append(f"{TITLES[s]} {scenario}: n/a, {r.get('reason')}")
            elif "error" in r:
                notes.append(f"{TITLES[s]} {scenario}: error: {r['error']}")
            if r.get("deadline_hit"):
                notes.append(f"{TITLES[s]} {scenario}: the --deadline cut the run short")
            if scenario in ("msg", "paced") and "error" not in r:
                if r.get("lost") or r.get("duplicated") or r.get("drained") is False:
                    notes.append(f"{TITLES[s]} {scenario}: lost {r.get('lost')}, duplicated "
                                 f"{r.get('duplicated')}, drained {r.get('drained')}")
                if r.get("sessions_closed_by_server"):
                    notes.append(f"{TITLES[s]} {scenario}: the server closed "
                                 f"{r['sessions_closed_by_server']} sessions")
            if scenario == "presence" and "error" not in r and not r.get("skipped"):
                sub = r.get("subscriptions") or {}
                if sub.get("confirmed") != sub.get("expected") or r.get("missing"):
                    notes.append(f"{TITLES[s]} presence: {sub.get('confirmed')} of "
                                 f"{sub.get('expected')} subscriptions confirmed, "
                                 f"{r.get('missing')} deliveries missing")
            if scenario in ("login", "idle", "setup"):
                failed = r.get("failed") or dig(r, "login", "failed")
                if failed:
                    notes.append(f"{TITLES[s]} {scenario}: {failed} failed logins: "
                                 f"{json.dumps(r.get('failures') or dig(r, 'login', 'failures'))}")

    md = []
    md.append("# Impetus, ejabberd and Prosody: same scenarios, same machine, one run")
    md.append("")
    md.append(f"- Date: {meta['date']}; work directory `{os.path.relpath(work, root)}`")
    md.append(f"- Machine: {meta['nproc']} CPUs ({meta['cpu']}), {meta['memory']} RAM, "
              f"Linux {meta['kernel']}; load average {conf.get('LOADAVG_START', '?')} at the "
              f"start, {conf.get('LOADAVG_END', '?')} at the end")
    md.append(f"- Servers: Impetus {meta['impetus']}; ejabberd {meta['ejabberd']} (Erlang "
              f"{meta['erlang']}); Prosody {meta['prosody']} (Lua 5.4 {meta['lua']}); "
              f"{meta['openssl']}")
    md.append("- Settings (bench/compare/): loopback, STARTTLS required, one self-signed ECDSA "
              "P-256 certificate, SCRAM with 4096 iterations, accounts created in-band "
              "(XEP-0077), no shapers or rate limits, no archiving, Nagle off, backlog 4096, "
              "warnings-only logging, a freshly started server process for every scenario")
    if conf.get("SKIP_BUILD") == "1":
        md.append("- SKIP_BUILD=1: the Impetus binaries were not rebuilt and may predate that "
                  "revision")
    if conf.get("IMPETUS_SCRIPTLET") == "0":
        md.append("- Impetus without scriptlets (impetus-bench.conf set-up): no rosters, so no "
                  "presence scenario")
    else:
        md.append("- Impetus with the msys.xmpp.presence scriptlet (rosters, presence, XEP-0191 "
                  "blocking; its Lua hooks see every message), as etc/impetus.conf; "
                  "IMPETUS_SCRIPTLET=0 drops it")
    mech = "; ".join(f"{TITLES[s]} {', '.join(sorted(mechanisms[s])) or '–'}" for s in servers)
    md.append(f"- SASL mechanism: {mech}")
    q = conf
    md.append(f"- Scenarios (impetus-bench): login --users {q.get('N_LOGIN')}; idle --users "
              f"{q.get('N_IDLE')} --hold {q.get('IDLE_HOLD')}; msg --pairs {q.get('PAIRS')} "
              f"--window {q.get('WINDOW')} --duration {q.get('DURATION')}; msg --pairs "
              f"{q.get('PAIRS')} --rate {q.get('RATE')} --duration {q.get('DURATION')}; "
              f"presence --users {q.get('PRES_USERS')} --roster {q.get('ROSTER')} --duration "
              f"{q.get('DURATION')}; --concurrency {q.get('CONCURRENCY')}"
              + ("; QUICK=1 (smoke run, not a measurement)" if q.get("QUICK") == "1" else ""))
    md.append("")
    md.append("Ratios are oriented so that **> 1 means Impetus is better**: "
              "Impetus / peer for rates, peer / Impetus for latency, CPU and memory.")
    md.append("")
    head = ["scenario", "metric"] + [TITLES[s] for s in SERVERS] + \
        [f"Impetus/{TITLES[p]}" for p in PEERS]
    md.append("| " + " | ".join(head) + " |")
    md.append("|" + "|".join(["---", "---"] + ["---:"] * (len(head) - 2)) + "|")
    for row in rows:
        md.append("| " + " | ".join(row) + " |")
    if notes:
        md.append("")
        md.append("Notes:")
        for n in notes:
            md.append(f"- {n}")
    md.append("")
    with open(os.path.join(work, "results.md"), "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump({"machine": meta, "settings": conf, "metrics": metrics, "notes": notes,
                   "raw": raw}, f, indent=1, ensure_ascii=False)
        f.write("\n")


def brief(path):
    with open(path) as f:
        try:
            r = json.loads(f.readline())
        except ValueError:
            print("no summary")
            return
    if "error" in r:
        print(f"ERROR {r['error']}")
        return
    if r.get("skipped"):
        print(f"skipped: {r.get('reason')}")
        return
    s = r.get("scenario")
    mech = r.get("mechanism")
    if s == "login":
        reg = r.get("register")
        extra = f", registered {reg['created']} (+{reg['existing']} existing, {reg['failed']} failed)" \
            if reg else ""
        print(f"{r.get('ok')} ok, {r.get('failed')} failed, {r.get('logins_per_s')} logins/s, "
              f"p50 {dig(r, 'latency_ms', 'p50')} ms, p99 {dig(r, 'latency_ms', 'p99')} ms "
              f"[{mech}]{extra}")
    elif s == "idle":
        print(f"{r.get('sessions')} sessions, {r.get('dropped')} dropped, "
              f"{r.get('kib_per_session')} KiB/session")
    elif s == "msg":
        print(f"{r.get('msgs_per_s')} msg/s, p50 {dig(r, 'latency_ms', 'p50')} ms, p99 "
              f"{dig(r, 'latency_ms', 'p99')} ms, lost {r.get('lost')}, duplicated "
              f"{r.get('duplicated')}, {r.get('server_cpu_us_per_msg')} µs/msg")
    elif s == "presence":
        print(f"{r.get('deliveries_per_s')} deliveries/s, p99 {dig(r, 'latency_ms', 'p99')} ms, "
              f"missing {r.get('missing')}, subscriptions {json.dumps(r.get('subscriptions'))}")
    else:
        print(json.dumps(r)[:300])


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--brief":
        brief(sys.argv[2])
    elif len(sys.argv) == 2:
        report(os.path.abspath(sys.argv[1]))
    else:
        sys.exit(__doc__)
