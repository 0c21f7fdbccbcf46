#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what the tests
# need (as root), then formatting, lints, every test, and the Windows/macOS
# type-check. README.md and .ci/run both use exactly this command.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: openssl as referee and test peer, real
# servers for STARTTLS (each test starts its own instance on loopback).
pkgs="openssl ca-certificates time libxml2-utils util-linux openjdk-17-jdk-headless postfix dovecot-core dovecot-imapd dovecot-pop3d slapd postgresql mariadb-server"
# trustfix.exe and its Wine test suite (tests/tools/windows_wine.rs): Wine 8.0, the
# MinGW-w64 cross toolchain, Debian's rustc-web 1.96 with its std sources
# (../shared/tools/windows/build-exe and wine-run).
win_pkgs="wine64 gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 rustc-web cargo-web rust-web-src"
pkgs="$pkgs $win_pkgs"
need=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "need Debian packages:$need (run as root to install them; tests that need them are skipped otherwise)" >&2
  else
    # No daemon may start on its default port while installing.
    made_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d
      made_policy=1
    fi
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
    if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
  fi
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== fuzz targets type-check (fuzz/, outside the workspace: nothing else builds it)"
# The same target dir as the workspace, so the dependencies checked by
# clippy above are reused; only libfuzzer-sys and the targets are new.
CARGO_TARGET_DIR="$PWD/target" cargo check --quiet --manifest-path fuzz/Cargo.toml
echo "== trustfix.exe (x86_64-pc-windows-gnu) for the Wine tests"
win_ok=1
for p in $win_pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || win_ok=""
done
if [ -n "$win_ok" ]; then
  # Built once per run; tests/tools/windows_wine.rs runs this .exe under Wine.
  TRUSTFIX_EXE=$(../shared/tools/windows/build-exe .)
  export TRUSTFIX_EXE
else
  echo "SKIPPED: trustfix.exe and the Wine tests need:$win_pkgs (run as root to install them)"
fi
echo "== cargo test"
cargo test --workspace 2>&1
echo "== ansible collection (contrib/ansible)"
contrib/ansible/tests/run.sh
echo "== cross-check (Windows, macOS)"
../shared/tools/cross-check . --workspace --all-targets
