#!/usr/bin/env python3
"""compare.py - outbox against msmtp (Debian's msmtp package), side by side
in one run, on the same work, against the same real server (Postfix's
smtp-sink on 127.0.0.1).  Prints each measurement and the ratio
msmtp/outbox (above 1: outbox is better).  Never a pass/fail test.

  round trips   small messages through delay-proxy.py (20 ms each way):
                wall time / 40 ms per message
  CPU           user+system time of the client for small messages
  throughput    one large message straight to smtp-sink, MB/s (smtp-sink
                itself may be the limit: compare the CPU time too)
  memory        peak RSS sending 1 MB and the large message

  --postfix     also, as root, through a private Postfix with Dovecot
                (tests/harness/servers.sh): round trips and CPU for plain
                SMTP with CHUNKING, STARTTLS + AUTH PLAIN (587) and
                implicit TLS + AUTH PLAIN (465), both clients reading the
                same msmtp configuration file

usage: compare.py [OUTBOX] [--large-mb N] [--count N] [--postfix]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GNU_TIME = "/usr/bin/time"
DELAY_MS = 20


def start(cmd, **kw):
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def wait_port_file(path, proc):
    for _ in range(200):
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return int(open(path).read())
        if proc.poll() is not None:
            sys.exit("bench: helper exited early")
        time.sleep(0.05)
    sys.exit("bench: helper did not start")


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_sink(tmp):
    port = free_port()
    cmd = ["smtp-sink"]
    if os.geteuid() == 0:
        cmd += ["-u", "nobody"]
    cmd += ["-c", f"127.0.0.1:{port}", "256"]
    proc = start(cmd, cwd=tmp)
    import socket
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    sys.exit("bench: smtp-sink did not start")


def make_message(path, size):
    line = b"The quick brown fox jumps over the lazy dog, again and again. 0123456789\n"
    with open(path, "wb") as f:
        f.write(b"From: a@bench.test\nTo: b@bench.test\nSubject: bench\n\n")
        left = size
        block = line * 8192
        while left > 0:
            f.write(block[:left])
            left -= len(block)


def run_client(cmd, msg, env):
    """Run one client; returns (wall s, cpu s, peak RSS KiB, exit code).
    GNU time measures the peak RSS: a process forked from this Python
    would inherit Python's resident pages into its own peak."""
    out = os.path.join(os.path.dirname(msg), "time.out")
    fd = os.open(msg, os.O_RDONLY)
    null = os.open(os.devnull, os.O_WRONLY)
    t0 = time.monotonic()
    pid = os.posix_spawn(GNU_TIME, [GNU_TIME, "-f", "%M %e", "-o", out] + cmd, env,
                         file_actions=[(os.POSIX_SPAWN_DUP2, fd, 0),
                                       (os.POSIX_SPAWN_DUP2, null, 1),
                                       (os.POSIX_SPAWN_DUP2, null, 2)])
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    os.close(fd)
    os.close(null)
    rss = int(open(out).read().split()[-2])
    # the client's CPU: GNU time's own is a few hundred microseconds
    return wall, ru.ru_utime + ru.ru_stime, rss, os.waitstatus_to_exitcode(status)


def clients(outbox, port):
    common = ["--host=127.0.0.1", f"--port={port}", "--tls=off", "--from=a@bench.test"]
    return {
        "outbox": [outbox, "-i"] + common + ["b@bench.test"],
        "msmtp": ["msmtp"] + common + ["--auth=off", "b@bench.test"],
    }


def measure_each(name, cmd, msg, env, count):
    walls, cpus, rss = [], [], 0
    for _ in range(count):
        w, c, r, rc = run_client(cmd, msg, env)
        if rc != 0:
            sys.exit(f"bench: {name} exited {rc}")
        walls.append(w)
        cpus.append(c)
    walls.sort()
    return walls[len(walls) // 2], sum(cpus) / len(cpus)


def start_proxy(tmp, name, target):
    """A delay proxy in front of 127.0.0.1:target; returns (proc, port)."""
    pf = os.path.join(tmp, name + ".port")
    proc = start([sys.executable, os.path.join(HERE, "delay-proxy.py"), pf,
                  str(target), str(DELAY_MS)])
    return proc, wait_port_file(pf, proc)


def postfix_env(tmp):
    """Start the test suite's private Postfix; its PF_* variables."""
    top = os.path.dirname(HERE)
    d = os.path.join(tmp, "pf")
    script = ('. "$top_srcdir/tests/harness/servers.sh" && '
              'postfix_up "$1" 28000 >/dev/null && cat "$1/env"')
    out = subprocess.run(["sh", "-c", script, "sh", d], capture_output=True,
                         text=True, env=dict(os.environ, top_srcdir=top))
    if out.returncode != 0:
        sys.exit("bench: the private Postfix did not start:\n" + out.stderr)
    env = {}
    for line in out.stdout.splitlines():
        if line.startswith("PF_") and "=" in line:
            k, v = line.split("=", 1)
            env[k] = v.strip("'")
    return d, env


def postfix_down(d):
    top = os.path.dirname(HERE)
    subprocess.run(["sh", "-c", '. "$top_srcdir/tests/harness/servers.sh" && '
                    'postfix_down "$1"', "sh", d], env=dict(os.environ, top_srcdir=top),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def rcfile(tmp, name, pf, port, tls, starttls):
    """One msmtp configuration file that both clients read (-C)."""
    path = os.path.join(tmp, name + ".rc")
    lines = ["account default", "host 127.0.0.1", f"port {port}",
             f"from {pf['PF_USER']}"]
    if tls:
        lines += ["tls on", f"tls_starttls {'on' if starttls else 'off'}",
                  f"tls_trust_file {pf['PF_CA']}", "auth plain",
                  f"user {pf['PF_USER']}", f"password {pf['PF_PASS']}"]
    else:
        lines += ["tls off", "auth off"]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, ("\n".join(lines) + "\n").encode())
    os.close(fd)
    return path


def postfix_rows(outbox, tmp, env, small, count):
    """Round trips and CPU per scenario, through a delay proxy each."""
    d, pf = postfix_env(tmp)
    procs = []
    rows = {}
    try:
        for name, port, tls, starttls in (
                ("plain, CHUNKING", pf["PF_PLAIN_PORT"], False, False),
                ("STARTTLS + AUTH", pf["PF_SUBMISSION_PORT"], True, True),
                ("implicit TLS + AUTH", pf["PF_SUBMISSIONS_PORT"], True, False)):
            proc, pport = start_proxy(tmp, name.split()[0] + str(port), int(port))
            procs.append(proc)
            rc = rcfile(tmp, name.split()[0] + str(port), pf, pport, tls, starttls)
            rcpt = "bench@outbox.test"
            for client, cmd in (("outbox", [outbox, "-i", "-C", rc, rcpt]),
                                ("msmtp", ["msmtp", "-C", rc, rcpt])):
                w, c = measure_each(client, cmd, small, env, count)
                rows.setdefault(f"round trips: {name}", {})[client] = w / (2 * DELAY_MS / 1000)
        return rows
    finally:
        for p in procs:
            p.kill()
            p.wait()
        postfix_down(d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outbox", nargs="?", default=os.path.join(HERE, "..", "src", "outbox"))
    ap.add_argument("--large-mb", type=int, default=200)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--postfix", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(GNU_TIME):
        sys.exit("bench: GNU time is not installed (apt-get install time)")
    for tool in ("msmtp", "smtp-sink"):
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            sys.exit(f"bench: {tool} is not installed (apt-get install msmtp postfix)")
    os.environ["PATH"] += ":/usr/sbin"
    tmp = tempfile.mkdtemp(prefix="obbench.")
    os.chmod(tmp, 0o755)
    env = dict(os.environ, HOME=tmp)
    env.pop("XDG_CONFIG_HOME", None)
    sink, port = start_sink(tmp)
    pf = os.path.join(tmp, "proxy.port")
    proxy = start([sys.executable, os.path.join(HERE, "delay-proxy.py"), pf, str(port), str(DELAY_MS)])
    try:
        pport = wait_port_file(pf, proxy)
        small, mid, large = (os.path.join(tmp, n) for n in ("small", "mid", "large"))
        make_message(small, 2000)
        make_message(mid, 1 << 20)
        make_message(large, a.large_mb << 20)
        rows = []
        res = {}
        for name in ("outbox", "msmtp"):
            r = {}
            w, _ = measure_each(name, clients(a.outbox, pport)[name], small, env, a.count)
            r["round trips"] = w / (2 * DELAY_MS / 1000)
            _, c = measure_each(name, clients(a.outbox, port)[name], small, env, a.count)
            r["CPU ms / small message"] = c * 1000
            w, c, _, rc = run_client(clients(a.outbox, port)[name], large, env)
            r[f"MB/s ({a.large_mb} MB)"] = a.large_mb / w
            r[f"CPU ms ({a.large_mb} MB)"] = c * 1000
            r["peak RSS KiB (1 MB)"] = run_client(clients(a.outbox, port)[name], mid, env)[2]
            r[f"peak RSS KiB ({a.large_mb} MB)"] = run_client(clients(a.outbox, port)[name], large, env)[2]
            res[name] = r
        if a.postfix:
            for k, v in postfix_rows(a.outbox, tmp, env, small, a.count).items():
                res["outbox"][k] = v["outbox"]
                res["msmtp"][k] = v["msmtp"]
        print(f"{'measurement':32} {'outbox':>12} {'msmtp':>12} {'ratio':>8}")
        for k in res["outbox"]:
            o, m = res["outbox"][k], res["msmtp"][k]
            better_high = k.startswith("MB/s")
            ratio = (o / m) if better_high else (m / o if o else float("inf"))
            print(f"{k:32} {o:12.1f} {m:12.1f} {ratio:7.2f}x")
        print("(ratio above 1: outbox is better)")
    finally:
        proxy.kill()
        sink.kill()
        proxy.wait()
        sink.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
