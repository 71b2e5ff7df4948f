#!/usr/bin/env python3
"""Runs every benchmark of issue 6 against its baseline in one run and prints a table.

Started by scripts/benchmark inside a test-CA mount namespace and a private keyring session
(scripts/with-test-ca.sh + scripts/private-session.sh), so nothing real is touched. Every
figure is a ratio or a count against a baseline measured in this same run.

Secrets: a random password is made here, given to the keyring and to the fake server through
stdin / the control API, kept in a 0600 file for output comparison, and never printed.
"""
import argparse
import json
import os
import platform
import secrets
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spawn_bench  # noqa: E402


class FakeServer:
    def __init__(self, fixtures, ca):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(fixtures, "fake_pontotel.py"), "--cert", os.path.join(ca, "server.pem"),
             "--key", os.path.join(ca, "server.key"), "--port", "0", "--watch", "on"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "PORT", "fake server did not start"
        self.origin = f"https://127.0.0.1:{line[1]}"
        self.base = self.origin + "/pontotel/api/v4"
        self.ssl = ssl.create_default_context(cafile=os.path.join(ca, "ca.pem"))

    def control(self, name, body=None, method=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.origin}/_control/{name}", data=data, method=method or ("POST" if data is not None else "GET"),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self.ssl) as response:
            text = response.read()
        return json.loads(text) if text else {}

    def fresh(self, password, employees=0, rate_limit=None):
        self.control("reset", {})
        self.control("users", {"username": "alice", "password": password})
        if employees:
            self.control("seed", {"count": employees})
        if rate_limit:
            self.control("config", {"rate_limit": rate_limit})
        self.control("stats", method="DELETE")

    def stats(self):
        return self.control("stats?log=0")

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def run_json(argv, password=None, env=None):
    result = subprocess.run(
        argv, input=(password + "\n") if password else None, capture_output=True, text=True, env=env, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise SystemExit(f"{os.path.basename(argv[0])} {argv[1]} failed (exit {result.returncode}): {result.stderr.strip()[-400:]}")
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pontotel", required=True)
    parser.add_argument("--pontotel-static")
    parser.add_argument("--bench", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json-out")
    args = parser.parse_args()
    vpython = os.path.join(args.venv, "bin", "python")
    here = os.path.dirname(os.path.abspath(__file__))
    results = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine()}
    rows = []

    workdir = tempfile.mkdtemp(prefix="pontotel-bench-")
    password = secrets.token_urlsafe(18)
    pwfile = os.path.join(workdir, "expected")
    with open(os.open(pwfile, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(password + "\n")
    subprocess.run([args.pontotel, "credentials", "set", "--env", "sandbox", "--username", "alice",
                    "--password-stdin", "--store", "keyring"], input=password + "\n", text=True, check=True,
                   stderr=subprocess.DEVNULL)

    # 1. New-process password read.
    commands = [("pontotel credentials get", [args.pontotel, "credentials", "get", "--field", "password"])]
    if args.pontotel_static:
        commands.append(("pontotel (static stdlib)", [args.pontotel_static, "credentials", "get", "--field", "password"]))
    commands += [
        ("secret-tool lookup", ["secret-tool", "lookup", "service", "pontotel-sandbox", "username", "alice"]),
        ("python keyring get", [os.path.join(args.venv, "bin", "keyring"), "get", "pontotel-sandbox", "alice"]),
        ("pontotel --version", [args.pontotel, "--version"]),
    ]
    expected = password.encode()
    part1 = spawn_bench.measure(commands[:-1], args.runs, 3, expected)
    part1.update(spawn_bench.measure(commands[-1:], args.runs, 3, None))
    results["part1"] = part1
    st = part1["secret-tool lookup"]
    py = part1["python keyring get"]
    for name, _ in commands:
        r = part1[name]
        rows.append(("1 read password (new process)", name,
                     f"{r['median_ms']:.1f} ms, {r['peak_rss_kib'] / 1024:.1f} MiB",
                     f"{r['median_ms'] / st['median_ms']:.2f}x secret-tool, {py['median_ms'] / r['median_ms']:.1f}x faster than keyring"
                     + (f", {r['failures']} wrong outputs" if r['failures'] else "")))

    # 2. In-process lookups.
    r = run_json([args.bench, "keyring-lookup", "--iterations", "1000"])
    results["part2"] = r
    rows.append(("2 in-process keyring lookup", f"{r['iterations']} lookups ({r['found']} found)",
                 f"median {r['median_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms",
                 f"{st['median_ms'] / r['median_ms']:.1f}x faster than a secret-tool process"))

    server = FakeServer(args.fixtures, args.ca)
    try:
        # 3. Logins.
        server.fresh(password, employees=1000)
        r = run_json([args.bench, "concurrent-logins", "--base-url", server.base, "--calls", "200"], password)
        s = server.stats()
        results["part3_concurrent"] = {**r, "server": s}
        rows.append(("3 logins", "200 concurrent calls, one PontotelClient", f"{s['logins']} login(s), {r['failures']} failed calls",
                     f"target 1: {'ok' if s['logins'] == 1 else 'MISSED'}"))
        server.fresh(password, employees=1000)
        env = dict(os.environ, PONTOTEL_SANDBOX_BASE_URL=server.base)
        failures = 0
        for _ in range(20):
            done = subprocess.run([args.pontotel, "api", "/empregados/", "-q", "page_size=1"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            failures += done.returncode != 0
        s = server.stats()
        results["part3_cli"] = {"processes": 20, "failures": failures, "server": s}
        rows.append(("3 logins", "20 sequential `pontotel api` processes", f"{s['logins']} login(s), {failures} failed",
                     f"target 1: {'ok' if s['logins'] == 1 else 'MISSED'}"))

        # 4. Bulk reads.
        for count in (10_000, 100_000):
            pages = -(-count // 100)
            server.fresh(password, employees=count)
            ours = run_json([args.bench, "bulk", "--base-url", server.base, "--page-size", "100"], password)
            s = server.stats()
            server.fresh(password, employees=count)
            session = run_json([vpython, os.path.join(here, "baseline_requests.py"), server.base, "alice", "--session"], password)
            server.fresh(password, employees=count)
            bare = run_json([vpython, os.path.join(here, "baseline_requests.py"), server.base, "alice"], password)
            results[f"part4_{count}"] = {"ours": ours, "server": s, "requests_session": session, "requests_get": bare}
            rows.append((f"4 bulk read {count:,}", "requests sent", f"{s['requests']} ({ours['items']:,} items)",
                         f"minimum {pages + 1} (pages + 1 login): {s['requests'] - pages - 1:+d}"))
            rows.append((f"4 bulk read {count:,}", "wall time", f"{ours['seconds']:.2f} s",
                         f"{bare['seconds'] / ours['seconds']:.2f}x the speed of a requests.get loop ({bare['seconds']:.2f} s), "
                         f"{session['seconds'] / ours['seconds']:.2f}x that of requests.Session ({session['seconds']:.2f} s)"))
            rows.append((f"4 bulk read {count:,}", "client CPU time", f"{ours['cpu_seconds']:.2f} s",
                         f"{ours['cpu_seconds'] / session['cpu_seconds']:.2f}x requests.Session ({session['cpu_seconds']:.2f} s), "
                         f"{ours['cpu_seconds'] / bare['cpu_seconds']:.2f}x requests.get ({bare['cpu_seconds']:.2f} s)"))
            rows.append((f"4 bulk read {count:,}", "peak RSS", f"{ours['peak_rss_kib'] / 1024:.1f} MiB",
                         f"requests.Session {session['peak_rss_kib'] / 1024:.1f} MiB"))
        small, large = results["part4_10000"]["ours"], results["part4_100000"]["ours"]
        rows.append(("4 bulk read", "memory growth 10k -> 100k", f"{(large['peak_rss_kib'] - small['peak_rss_kib']) / 1024:+.1f} MiB",
                     f"ratio {large['peak_rss_kib'] / small['peak_rss_kib']:.2f} (flat = 1.00)"))

        # 5. Bulk read under a rate limit (fixed window). It must be below the fake server's own
        # throughput (about 20 pages/s on 2 cores), or the limit is never reached.
        limit, window, count = 20, 2.0, 10_000
        server.fresh(password, employees=count, rate_limit={"limit": limit, "window": window})
        ours = run_json([args.bench, "bulk", "--base-url", server.base, "--page-size", "100"], password)
        s = server.stats()
        total = -(-count // 100) + 1
        minimum = ((total - 1) // limit) * window   # fixed windows: the last batch starts when its window opens
        results["part5"] = {"ours": ours, "server": s, "limit": limit, "window": window, "minimum_seconds": minimum}
        rows.append((f"5 rate limit {limit}/{window:g} s", f"{total} requests needed ({ours['items']:,} items)",
                     f"{ours['seconds']:.2f} s, {s['rate_limited']} 429s sent by server, {ours['rate_limited_errors']} reached caller"
                     + (f", error {ours['error']}" if "error" in ours else ""),
                     f"{ours['seconds'] / minimum:.2f}x the minimum {minimum:.1f} s; requests {s['requests']}"))

        # 6. Cached reads.
        server.fresh(password, employees=1000)
        r = run_json([args.bench, "cached", "--base-url", server.base, "--reads", "1000"], password)
        s = server.stats()
        results["part6"] = {**r, "server": s}
        rows.append(("6 cached reads", f"{r['reads']} identical GETs within TTL",
                     f"{s['requests'] - s['logins']} GET(s) sent, hit median {r['hit_median_ms'] * 1000:.1f} µs (p99 {r['hit_p99_ms'] * 1000:.1f} µs)",
                     f"{r['first_ms'] / r['hit_median_ms']:.0f}x faster than the first (network) read ({r['first_ms']:.1f} ms)"))
    finally:
        server.stop()
        os.unlink(pwfile)

    print_table(rows)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, load {os.getloadavg()[0]:.2f}"


def print_table(rows):
    header = ("benchmark", "case", "measured", "against the baseline")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
