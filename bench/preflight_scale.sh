#!/usr/bin/env bash
# Preflight at scale (bench/preflight_scale.py): peak RSS and endpoints/s
# for 1,000 and 10,000 loopback endpoints with a 145- and a
# 20,000-certificate store, at several --jobs. On demand only.
#   bench/preflight_scale.sh [--endpoints 1000,10000] [--stores 145,20000] [--jobs 4,16,64]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 3; }
# Each endpoint is a listening socket of the lab, each check a connection.
ulimit -n 65536 2>/dev/null || true
cargo build --release --quiet --bin trustfix --example bench_lab
exec python3 bench/preflight_scale.py "$@"
