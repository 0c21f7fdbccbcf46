#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), starting from seed
# corpora that tests/tools/fuzz_seeds.rs writes with the current code.
#   ./scripts/fuzz.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (cargo install cargo-fuzz). The stable toolchain works
# with RUSTC_BOOTSTRAP=1 and no sanitizer (-s none): libFuzzer's coverage
# guidance and Rust's own checks (bounds, overflow in debug assertions,
# panics) still apply. Crashes land in fuzz/artifacts/TARGET/; each one
# found so far became a regression test next to the parser it broke.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(jks pkcs12 load legacy_tls starttls ocsp_crl path_diagnose pem_edit journal preflight_toml targets)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
seeds=$(pwd)/fuzz/seeds
rm -rf "$seeds"
TRUSTFIX_FUZZ_SEEDS=$seeds cargo test -q --test tools fuzz_seeds >/dev/null
cd fuzz
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "$seeds/$t"
  echo "== $t: ${secs}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$t" "corpus/$t" "$seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=1024 -print_final_stats=1 2>&1 |
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==[0-9]+== ERROR|SUMMARY)" || true
done
