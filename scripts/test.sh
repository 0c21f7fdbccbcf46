#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what the tests
# need (as root), then formatting, lints, every test, and the Windows/macOS
# type-check. README.md and .ci/run both use exactly this command.
set -euo pipefail
cd "$(dirname "$0")/.."

need=""
command -v openssl >/dev/null 2>&1 || need="$need openssl"
[ -f /etc/ssl/certs/ca-certificates.crt ] || need="$need ca-certificates"
if [ -n "$need" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "need Debian packages:$need (run as root to install them)" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace 2>&1
echo "== cross-check (Windows, macOS)"
../shared/tools/cross-check .
