#!/usr/bin/env bash
# Runs every test: native Rust tests (unit, vectors, properties), the wasm
# tests under Node (wasm-pack test --node), a short bounded fuzzing run, then
# the JavaScript suites (crypto-js cross-check, Node-RED nodes, end to end
# against a real Node-RED with the real SQLite node, CLI, restart safety).
# Installs what is missing first. Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/tools.sh

log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

bash scripts/build.sh
# The editor test drives Debian's Chromium; the Node-RED 5 test needs Node 22
# and Node-RED 5 in a cache of their own. Both install once and are reused.
# Exit 2 is an unreachable registry: the Node-RED 5 test then reports its skip.
bash scripts/lib/ensure-chromium.sh
# The device library's cross builds: Debian's lx106 and RISC-V GCC, picolibc,
# BearSSL's and mbedTLS's headers; once.
bash scripts/lib/ensure-device-tools.sh
node scripts/lib/node-red-5.js || [ $? -eq 2 ]
# The MySQL suite runs a private MariaDB server; Debian's package, once.
node scripts/lib/mariadb.js install
# The MQTT suite runs a private mosquitto broker; Debian's package, once.
node scripts/lib/mosquitto.js install

# Runs a suite, keeps its whole output in $log_dir/<name>.log and shows the
# lines that `filter` selects; returns the suite's own exit status.
suite() {
  local name=$1 filter=$2; shift 2
  set +e
  "$@" 2>&1 | tee "$log_dir/$name.log" | grep -E "$filter"
  local rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

status=0
echo "== flows/ and examples/ as scripts/make-flows.js writes them"
node scripts/make-flows.js --check || status=1

echo "== cargo test (native)"
suite cargo '^(test result|running|error|failures|---- |thread)' cargo test || status=1

echo "== wasm-pack test --node"
suite wasm '^(test result|running|error|failures|---- |panicked)' wasm-pack test --node || status=1

echo "== fuzzing (${FUZZ_SECONDS:-20} s per target)"
suite fuzz '.' bash scripts/fuzz.sh || status=1

echo "== node-red-dev validate (the Node-RED scorecard) on the packed package"
suite scorecard '^scorecard: (warning|failed|no failed)' bash scripts/validate-package.sh || status=1

echo "== device library size, cross-compiled (TARGET text data bss, bytes)"
suite device-size '.' npm run -s device:size || status=1

echo "== mocha (JavaScript)"
suite mocha '.' node_modules/.bin/mocha 'tests/js/**/*.test.js' || status=1

# One closing line over all suites (a count that is absent is zero).
set +o pipefail
rust_passed=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log_dir"/cargo.log "$log_dir"/wasm.log | awk '{s+=$4} END {print s+0}')
rust_failed=$(grep -hoE '[0-9]+ failed' "$log_dir"/cargo.log "$log_dir"/wasm.log | awk '{s+=$1} END {print s+0}')
fuzz_ok=$(grep -cE ' ok$' "$log_dir/fuzz.log" || true)
js_passed=$(grep -oE '^ +[0-9]+ passing' "$log_dir/mocha.log" | awk '{print $1}' | tail -1)
js_failed=$(grep -oE '^ +[0-9]+ failing' "$log_dir/mocha.log" | awk '{print $1}' | tail -1)
js_skipped=$(grep -oE '^ +[0-9]+ pending' "$log_dir/mocha.log" | awk '{print $1}' | tail -1)
passed=$(( rust_passed + fuzz_ok + ${js_passed:-0} ))
failed=$(( rust_failed + ${js_failed:-0} ))
# A suite that failed without counting a failed test (a build error, a crash) still fails the run.
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "tests: $passed passed, $failed failed, ${js_skipped:-0} skipped"
exit $(( failed > 0 ))
