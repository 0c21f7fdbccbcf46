#!/usr/bin/env bash
# Release artifacts, built on Debian 12 (x86_64): the Linux binary and
# trustfix.exe for Windows (x86_64-pc-windows-gnu, statically linked: one
# file, no DLLs), both with the crate's release profile (fat LTO), each with
# its SHA-256 in SHA256SUMS.
#
#   scripts/release.sh [OUT_DIR]      (default: dist/)
#
# The .exe is linked by ../shared/tools/windows/build-exe (Debian's
# rustc-web + -Zbuild-std + MinGW-w64; as root it installs what it needs).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
mkdir -p "$out"

start=$SECONDS
cargo build --release --locked --bin trustfix
cp target/release/trustfix "$out/trustfix"
echo "linux release build: $((SECONDS - start)) s" >&2

start=$SECONDS
exe=$(WIN_PROFILE=release ../shared/tools/windows/build-exe .)
# A PE image starts with "MZ"; anything else is not what we mean to ship.
[ "$(head -c 2 "$exe")" = "MZ" ] || { echo "$exe is not a Windows executable" >&2; exit 1; }
cp "$exe" "$out/trustfix.exe"
echo "windows release build: $((SECONDS - start)) s" >&2

cd "$out"
sha256sum trustfix trustfix.exe > SHA256SUMS
echo "trustfix $version release artifacts in $(pwd):"
ls -l trustfix trustfix.exe
cat SHA256SUMS
