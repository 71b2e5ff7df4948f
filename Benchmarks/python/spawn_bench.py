#!/usr/bin/env python3
"""Runs commands as new processes, interleaved, and reports median wall time and peak RSS.

Usage: spawn_bench.py [--runs N] [--warmup W] [--expect-file F] NAME='["cmd", "arg"]'...
Each child's stdout is compared to the expected value (read from a file, never shown); only a
count of failures is reported. Peak RSS comes from GNU time (see peak_rss_via_time). Prints one
JSON object per command. Also imported by run_benchmarks.py.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def run_once(argv, expected):
    read_fd, write_fd = os.pipe()
    start = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[
        (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_DUP2, write_fd, 1),
        (os.POSIX_SPAWN_CLOSE, read_fd),
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
    ])
    os.close(write_fd)
    chunks = []
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_fd)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter_ns() - start
    out = b"".join(chunks).rstrip(b"\n")
    ok = os.waitstatus_to_exitcode(status) == 0 and (expected is None or out == expected)
    return elapsed / 1e6, usage.ru_maxrss, ok


def peak_rss_via_time(argv, runs=5):
    """Peak RSS (KiB) measured by GNU time, which forks before exec: wait4's ru_maxrss of a
    child spawned directly by this (large) Python process would include our own size."""
    peaks = []
    for _ in range(runs):
        read_fd, write_fd = os.pipe()
        pid = os.posix_spawnp("/usr/bin/time", ["/usr/bin/time", "-f", "%M", "--"] + argv, os.environ, file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, write_fd, 2),
            (os.POSIX_SPAWN_CLOSE, read_fd),
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        ])
        os.close(write_fd)
        err = b""
        while True:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            err += chunk
        os.close(read_fd)
        os.waitpid(pid, 0)
        lines = err.decode(errors="replace").strip().splitlines()
        if lines and lines[-1].strip().isdigit():
            peaks.append(int(lines[-1].strip()))
    return max(peaks) if peaks else -1


def measure(commands, runs, warmup, expected):
    """commands: [(name, argv)]. Runs them interleaved; returns {name: stats}."""
    results = {name: {"ms": [], "failures": 0} for name, _ in commands}
    for round_ in range(warmup + runs):
        for name, argv in commands:   # interleaved: load changes hit every command alike
            ms, _, ok = run_once(argv, expected)
            if round_ < warmup:
                continue
            results[name]["ms"].append(ms)
            if not ok:
                results[name]["failures"] += 1
    out = {}
    for name, argv in commands:
        ms = sorted(results[name]["ms"])
        out[name] = {
            "runs": len(ms), "median_ms": statistics.median(ms), "p10_ms": ms[len(ms) // 10],
            "p90_ms": ms[(len(ms) * 9) // 10], "failures": results[name]["failures"],
            "peak_rss_kib": peak_rss_via_time(argv),
        }
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--expect-file")
    parser.add_argument("commands", nargs="+", help="NAME=JSON-argv")
    args = parser.parse_args()
    expected = None
    if args.expect_file:
        with open(args.expect_file, "rb") as f:
            expected = f.read().rstrip(b"\n")
    commands = []
    for spec in args.commands:
        name, _, argv = spec.partition("=")
        commands.append((name, json.loads(argv)))
    for name, stats in measure(commands, args.runs, args.warmup, expected).items():
        print(json.dumps({"name": name, **stats}))


if __name__ == "__main__":
    sys.exit(main())
