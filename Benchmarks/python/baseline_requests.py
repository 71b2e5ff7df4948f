#!/usr/bin/env python3
"""The baseline for bulk reads: a straightforward sequential client written with `requests`,
shaped like Pontotel's own Python example (log in, then GET page after page following `next`).

  baseline_requests.py BASE_URL USERNAME [--session] [--page-size 100]   < password on stdin

--session keeps one `requests.Session` (HTTP keep-alive); without it every call is a bare
`requests.get`/`requests.post`, as in the example. Prints one JSON object: items, seconds, peak
RSS (VmHWM, KiB). The password comes from stdin and is never printed.
"""
import argparse
import json
import resource
import sys
import time

import requests


def peak_rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("username")
    parser.add_argument("--session", action="store_true")
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    password = sys.stdin.readline().rstrip("\n")
    http = requests.Session() if args.session else requests

    start = time.perf_counter()
    response = http.post(f"{args.base_url}/login/", json={"username": args.username, "password": password})
    response.raise_for_status()
    token = response.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    items = 0
    url = f"{args.base_url}/empregados/"
    params = {"page_size": args.page_size}
    while url:
        response = http.get(url, headers=headers, params=params)
        response.raise_for_status()
        page = response.json()
        items += len(page["results"])
        url = page.get("next")
        params = None   # `next` already carries the query
    elapsed = time.perf_counter() - start
    print(json.dumps({"items": items, "seconds": elapsed, "peak_rss_kib": peak_rss_kib(),
                      "cpu_seconds": (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(resource.RUSAGE_SELF))}))


if __name__ == "__main__":
    main()
