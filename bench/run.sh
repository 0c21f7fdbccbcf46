#!/usr/bin/env bash
# trustfix benchmarks against the peers (openssl s_client, keytool, sslyze,
# testssl.sh, sslscan) on loopback servers; prints the ratios for this
# machine. Run on demand only: scripts/test.sh never runs or needs this.
#
#   bench/run.sh [--runs N] [--preflight-runs N] [--testssl-runs N]
#                [--endpoints N] [--only single|preflight|java] [--json FILE]
#
# Installs what is missing (as root): openssl, a JDK (keytool), Debian's
# ca-certificates-java (the 145-entry cacerts), testssl.sh, sslscan, and
# sslyze from PyPI (into target/bench-venv unless `sslyze` is on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

need=""
command -v openssl >/dev/null || need="$need openssl"
command -v keytool >/dev/null || need="$need openjdk-17-jdk-headless"
[ -f /etc/ssl/certs/java/cacerts ] || need="$need ca-certificates-java"
command -v testssl >/dev/null || need="$need testssl.sh"
command -v sslscan >/dev/null || need="$need sslscan"
command -v python3 >/dev/null || need="$need python3 python3-venv"
if [ -n "$need" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bench: missing Debian packages:$need (run as root to install them)" >&2
    exit 3
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

if command -v sslyze >/dev/null; then
  SSLYZE=$(command -v sslyze)
else
  venv=target/bench-venv
  if [ ! -x "$venv/bin/sslyze" ]; then
    python3 -m venv "$venv" 2>/dev/null || {
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
      python3 -m venv "$venv"
    }
    "$venv/bin/pip" install --quiet sslyze
  fi
  SSLYZE=$PWD/$venv/bin/sslyze
fi
export SSLYZE

cargo build --release --quiet --bin trustfix --example bench_lab
exec python3 bench/bench.py "$@"
