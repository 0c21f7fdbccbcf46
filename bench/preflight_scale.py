#!/usr/bin/env python3
"""Preflight at scale: peak RSS and endpoints/s of `trustfix preflight` for
1,000 and 10,000 loopback endpoints, against a 145-certificate CA file
(144 of the system bundle plus the lab's root) and a 20,000-certificate one,
at several --jobs. The point to read: peak RSS stays flat as endpoints and
--jobs grow (the stores are loaded once and shared read-only).

    bench/preflight_scale.sh [--endpoints 1000,10000] [--stores 145,20000]
                             [--jobs 4,16,64] [--json FILE]

Started by bench/preflight_scale.sh (which builds the release binary and
the lab); never part of the test command. Servers: examples/bench_lab.rs,
on 127.0.0.1 only.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import LAB, SYSTEM_BUNDLE, TRUSTFIX, run_once  # noqa: E402


def start_lab(dirname, endpoints, store_certs):
    lab = subprocess.Popen(
        [LAB, dirname, str(endpoints), str(store_certs)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = lab.stdout.readline().strip()
    if line != "ready":
        sys.exit(f"bench_lab did not start: {line!r}")
    with open(os.path.join(dirname, "lab.json")) as f:
        return lab, json.load(f)


def small_store(work, root):
    """144 certificates of the system bundle, then the lab's root."""
    with open(SYSTEM_BUNDLE) as f:
        text = f.read()
    blocks = [b + "-----END CERTIFICATE-----\n" for b in text.split("-----END CERTIFICATE-----") if "BEGIN" in b]
    path = os.path.join(work, "store-145.pem")
    with open(path, "w") as out, open(root) as r:
        out.write("".join(blocks[:144]))
        out.write(r.read())
    return path


# The lab serves this many ports (each a listening socket; the file limit
# here is 20,000); endpoints beyond it reuse them in turn, each still its
# own check and connection.
LAB_PORTS = 2000


def targets_file(work, eps, n):
    path = os.path.join(work, f"targets-{n}.txt")
    with open(path, "w") as f:
        for i in range(n):
            e = eps[i % len(eps)]
            scheme = "smtp://" if e["kind"] == "smtp" else ""
            f.write(f"{scheme}127.0.0.1:{e['port']}\n")
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoints", default="1000,10000")
    ap.add_argument("--stores", default="145,20000")
    ap.add_argument("--jobs", default="4,16,64")
    ap.add_argument("--json", help="also write the results to this file")
    a = ap.parse_args()
    endpoints = [int(x) for x in a.endpoints.split(",")]
    stores = [int(x) for x in a.stores.split(",")]
    jobs = [int(x) for x in a.jobs.split(",")]
    big = max(s for s in stores if s != 145) if any(s != 145 for s in stores) else 0
    print(
        f"# trustfix preflight at scale\n\n{platform.node()}: {os.cpu_count()} CPUs, "
        f"{platform.platform()}; {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n"
    )
    print("| store | endpoints | --jobs | wall | endpoints/s | peak RSS | exit |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    results = []
    with tempfile.TemporaryDirectory(prefix="trustfix-scale-") as work:
        lab_proc, lab = start_lab(os.path.join(work, "lab"), min(max(endpoints), LAB_PORTS), big)
        try:
            paths = {145: small_store(work, lab["root"])}
            if big:
                paths[big] = os.path.join(work, "lab", "big-store.pem")
            for s in stores:
                for n in endpoints:
                    t = targets_file(work, lab["endpoints"], n)
                    for j in jobs:
                        cmd = [TRUSTFIX, "preflight", "--targets", t, "--ca-file", paths[s],
                               "--jobs", str(j), "--no-progress", "--timeout", "10"]
                        wall, rss, code = run_once(cmd)
                        row = {"store": s, "endpoints": n, "jobs": j, "wall_s": wall,
                               "endpoints_per_s": n / wall, "rss_mib": rss / 1024.0, "exit": code}
                        results.append(row)
                        print(f"| {s} | {n} | {j} | {wall:.1f} s | {n / wall:.0f} | {rss / 1024.0:.1f} MiB | {code} |")
                        sys.stdout.flush()
        finally:
            lab_proc.stdin.close()
            lab_proc.wait(timeout=30)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
