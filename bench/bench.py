#!/usr/bin/env python3
"""trustfix against the tools a user would otherwise reach for, on one
machine in one run. Started by bench/run.sh (which installs the peers and
builds trustfix); never part of the test command.

Every server is on 127.0.0.1, started by `examples/bench_lab.rs`. Wall
time is measured around each process; peak memory is the ru_maxrss that
wait4() reports for it, which for a shell loop or a script is the largest of
the processes it ran. Each figure is the median of several runs after one
warm-up run.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRUSTFIX = os.path.join(ROOT, "target", "release", "trustfix")
LAB = os.path.join(ROOT, "target", "release", "examples", "bench_lab")
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
JAVA_CACERTS = "/etc/ssl/certs/java/cacerts"


def run_once(cmd, env=None, cwd=None):
    """(wall seconds, peak RSS in KiB, exit code) of one process tree.

    Peak RSS comes from /usr/bin/time (%M, from wait4): a child forked by
    this Python process would report Python's own RSS as its peak."""
    fd, rssfile = tempfile.mkstemp(prefix="trustfix-bench-rss-")
    os.close(fd)
    try:
        t = time.perf_counter()
        code = subprocess.call(
            ["/usr/bin/time", "-f", "%M", "-o", rssfile] + cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
        )
        wall = time.perf_counter() - t
        with open(rssfile) as f:
            lines = [l for l in f.read().split() if l.isdigit()]
        rss = int(lines[-1]) if lines else 0
    finally:
        os.remove(rssfile)
    return wall, rss, code


def measure(name, cmds, runs, env=None, setup=None):
    """Median wall time and peak RSS of `cmds` (run one after the other,
    times added, memory the largest), after one warm-up run."""
    walls, rsss, codes = [], [], []
    for i in range(runs + 1):
        wall, rss, code = 0.0, 0, 0
        for c in cmds:
            if setup:
                setup()
            w, r, code = run_once(c, env=env)
            wall += w
            rss = max(rss, r)
        if i == 0:
            continue
        walls.append(wall)
        rsss.append(rss)
        codes.append(code)
    return {
        "tool": name,
        "wall_s": statistics.median(walls),
        "wall_min_s": min(walls),
        "wall_max_s": max(walls),
        "rss_mib": statistics.median(rsss) / 1024.0,
        "exit": codes[-1],
        "runs": runs,
    }


def ratio(a, b):
    return a / b if b > 0 else float("inf")


def table(title, rows, per=None):
    """Prints rows with ratios against the first (trustfix)."""
    print(f"\n## {title}\n")
    base = rows[0]
    if per:
        print("| tool | median wall | endpoints/s | peak RSS | trustfix is faster by | uses less memory by | exit |")
        print("|---|---:|---:|---:|---:|---:|---:|")
    else:
        print("| tool | median wall | peak RSS | trustfix is faster by | uses less memory by | exit |")
        print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        speed = ratio(r["wall_s"], base["wall_s"])
        mem = ratio(r["rss_mib"], base["rss_mib"])
        wall = f"{r['wall_s'] * 1000:.1f} ms" if r["wall_s"] < 1 else f"{r['wall_s']:.2f} s"
        cells = [r["tool"], wall]
        if per:
            cells.append(f"{per / r['wall_s']:.1f}")
        cells += [
            f"{r['rss_mib']:.1f} MiB",
            "-" if r is base else f"{speed:.1f}x",
            "-" if r is base else f"{mem:.1f}x",
            str(r["exit"]),
        ]
        print("| " + " | ".join(cells) + " |")
    sys.stdout.flush()


def start_lab(dirname, endpoints):
    lab = subprocess.Popen(
        [LAB, dirname, str(endpoints)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = lab.stdout.readline().strip()
    if line != "ready":
        sys.exit(f"bench_lab did not start: {line!r}")
    with open(os.path.join(dirname, "lab.json")) as f:
        return lab, json.load(f)


def bench_single(work, lab, runs, sslyze, testssl_runs):
    port = lab["single"]
    target = f"127.0.0.1:{port}"
    # The system bundle plus the lab's root, so every client completes its
    # handshake and verification instead of stopping at an unknown root.
    bundle = os.path.join(work, "system-plus-bench-root.pem")
    with open(bundle, "wb") as out:
        for f in (SYSTEM_BUNDLE, lab["root"]):
            with open(f, "rb") as src:
                out.write(src.read())
    env = dict(os.environ, SSL_CERT_FILE=bundle)
    rows = [
        measure("trustfix check", [[TRUSTFIX, "check", target]], runs, env),
        measure(
            "openssl s_client -verify_return_error",
            [["openssl", "s_client", "-connect", target, "-verify_return_error"]],
            runs,
            env,
        ),
        measure("keytool -printcert -sslserver", [["keytool", "-printcert", "-sslserver", target]], runs, env),
        measure(
            "sslyze --certinfo",
            [[sslyze, "--certinfo", "--certinfo_ca_file", bundle, "--mozilla_config", "disable", target]],
            runs,
            env,
        ),
        measure(
            "testssl.sh -S",
            [["testssl", "-S", "--color", "0", "--add-ca", lab["root"], target]],
            testssl_runs,
            env,
        ),
    ]
    if shutil.which("sslscan"):
        rows.append(
            measure(
                "sslscan (certificate only)",
                [[
                    "sslscan", "--no-colour", "--no-ciphersuites", "--no-fallback",
                    "--no-renegotiation", "--no-compression", "--no-heartbleed",
                    "--no-groups", "--show-certificate", target,
                ]],
                runs,
                env,
            )
        )
    table(f"1. Single check of a loopback TLS server, system store (median of {runs}; testssl.sh {testssl_runs})", rows)
    return rows


def bench_preflight(work, lab, runs, sslyze):
    eps = lab["endpoints"]
    n = len(eps)
    root = lab["root"]
    toml = os.path.join(work, "preflight.toml")
    with open(toml, "w") as f:
        f.write(f'[defaults]\nstore = "ca-file:{root}"\ntimeout = 10\n\n')
        for i, e in enumerate(eps):
            f.write(f'[[endpoint]]\nlabel = "{e["kind"]}-{i}"\ntarget = "127.0.0.1:{e["port"]}"\n')
            if e["kind"] == "smtp":
                f.write('starttls = "smtp"\n')
            f.write("\n")
    direct = os.path.join(work, "direct.txt")
    smtp = os.path.join(work, "smtp.txt")
    with open(direct, "w") as d, open(smtp, "w") as s:
        for e in eps:
            (s if e["kind"] == "smtp" else d).write(f"127.0.0.1:{e['port']}\n")
    loop = os.path.join(work, "openssl-loop.sh")
    with open(loop, "w") as f:
        f.write("#!/bin/sh\n")
        for e in eps:
            st = " -starttls smtp" if e["kind"] == "smtp" else ""
            f.write(
                f"openssl s_client -connect 127.0.0.1:{e['port']}{st} -CAfile {root} "
                f"-verify_return_error </dev/null >/dev/null 2>&1\n"
            )
    # Same answers first: trustfix's verdicts against the lab's kinds.
    out = subprocess.run([TRUSTFIX, "preflight", toml, "--json"], capture_output=True, text=True)
    doc = json.loads(out.stdout)
    good = sum(1 for e in eps if e["kind"] in ("good", "smtp"))
    s = doc["summary"]
    print(
        f"\n(preflight agreement: {s['trusted']} trusted / {s['rejected']} rejected / {s['error']} error; "
        f"the lab has {good} good and {n - good} broken endpoints; stores_loaded={doc['stores_loaded']})"
    )
    sslyze_common = [sslyze, "--certinfo", "--certinfo_ca_file", root, "--mozilla_config", "disable"]
    rows = [
        measure("trustfix preflight (--jobs default)", [[TRUSTFIX, "preflight", toml]], runs),
        measure(
            "sslyze --certinfo --targets_in (direct, then --starttls smtp)",
            [sslyze_common + ["--targets_in", direct], sslyze_common + ["--starttls", "smtp", "--targets_in", smtp]],
            runs,
        ),
        measure("shell loop of openssl s_client", [["sh", loop]], max(1, runs // 2)),
    ]
    table(f"2. Preflight of {n} loopback endpoints (median of {runs}; openssl loop {max(1, runs // 2)})", rows, per=n)
    return rows


def bench_java(work, lab, runs):
    root = lab["root"]
    store = os.path.join(work, "java", "cacerts")
    os.makedirs(os.path.dirname(store), exist_ok=True)

    def fresh():
        d = os.path.dirname(store)
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
        shutil.copyfile(JAVA_CACERTS, store)

    fresh()
    entries = subprocess.run(
        ["keytool", "-list", "-keystore", store, "-storepass", "changeit"], capture_output=True, text=True
    ).stdout
    count = next((l.split()[3] for l in entries.splitlines() if l.startswith("Your keystore contains")), "?")
    rows = [
        measure("trustfix import", [[TRUSTFIX, "import", "--yes", root, "--store", f"java:{store}"]], runs, setup=fresh),
        measure(
            "keytool -importcert -noprompt",
            [["keytool", "-importcert", "-noprompt", "-alias", "bench-root", "-file", root,
              "-keystore", store, "-storepass", "changeit"]],
            runs,
            setup=fresh,
        ),
    ]
    table(f"3. Java store patch: one root into a copy of {JAVA_CACERTS} ({count} entries; median of {runs})", rows)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9, help="timed runs per tool (after one warm-up)")
    ap.add_argument("--testssl-runs", type=int, default=3)
    ap.add_argument("--preflight-runs", type=int, default=5)
    ap.add_argument("--endpoints", type=int, default=200)
    ap.add_argument("--only", choices=["single", "preflight", "java"])
    ap.add_argument("--json", help="also write the results to this file")
    a = ap.parse_args()
    sslyze = os.environ.get("SSLYZE", "sslyze")
    print(
        f"# trustfix benchmarks\n\n{platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}; "
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}; load average {os.getloadavg()[0]:.2f}"
    )
    results = {}
    with tempfile.TemporaryDirectory(prefix="trustfix-bench-") as work:
        lab_proc, lab = start_lab(os.path.join(work, "lab"), a.endpoints)
        try:
            if a.only in (None, "single"):
                results["single"] = bench_single(work, lab, a.runs, sslyze, a.testssl_runs)
            if a.only in (None, "preflight"):
                results["preflight"] = bench_preflight(work, lab, a.preflight_runs, sslyze)
            if a.only in (None, "java"):
                results["java"] = bench_java(work, lab, a.runs)
        finally:
            lab_proc.stdin.close()
            lab_proc.wait(timeout=10)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
