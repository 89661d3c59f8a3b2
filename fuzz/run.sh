#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each). Not part of every CI run.
# The machine's toolchain is stable; RUSTC_BOOTSTRAP lets cargo-fuzz use the sanitizer flags.
# Any crash is saved under fuzz/artifacts/<target>/: commit it as a regression test
# (tests/integration/fuzz_regressions.rs replays fuzz/regressions/*).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
for t in frame_decoder decode_change validate_and_apply load_stored_order; do
  echo "== $t ($secs s)"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -- -max_total_time="$secs" -rss_limit_mb=4096 2>&1 | tail -4
done
