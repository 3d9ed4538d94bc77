#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer via cargo-fuzz) of every parsing entry
# point of the core, FUZZ_SECONDS per target (default 20). Fails on any crash
# or panic. cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable
# toolchain take them, since no other toolchain can be installed here.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/tools.sh
seconds=${FUZZ_SECONDS:-20}
if ! command -v cargo-fuzz >/dev/null; then
  log "installing cargo-fuzz (about 1 minute, once)"
  cargo install cargo-fuzz --version 0.13.2
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O 2>&1 | tail -1
printf '%-20s %12s %8s %8s %s\n' target executions cov features result
failed=0
for target in decrypt_passphrase decrypt_raw open_body open_auth take_request sequence_check; do
  log_file=$(mktemp)
  # Fuzz on a scratch copy of the corpus: CI runs must not change the tree.
  corpus=$(mktemp -d)
  cp fuzz/corpus/"$target"/* "$corpus"/
  if cargo fuzz run -O "$target" "$corpus" -- -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 >"$log_file" 2>&1; then
    result=ok
  else
    result=CRASH; failed=1
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log_file" | head -5 >&2 || true
  fi
  # `|| true`: a target that crashes on its seed corpus prints no stats, and
  # under pipefail the empty grep would end the script before the summary
  # line and the remaining targets.
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log_file")
  cov=$(grep -oE 'cov: [0-9]+' "$log_file" | tail -1 | awk '{print $2}' || true)
  ft=$(grep -oE 'ft: [0-9]+' "$log_file" | tail -1 | awk '{print $2}' || true)
  printf '%-20s %12s %8s %8s %s\n' "$target" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$result"
  rm -rf "$corpus" "$log_file"
done
exit $failed
