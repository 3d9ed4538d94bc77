#!/usr/bin/env bash
# Runs every test: native Rust tests (unit, vectors, properties), the wasm
# tests under Node (wasm-pack test --node), then the JavaScript suites
# (crypto-js cross-check, Node-RED node tests, end-to-end against a real
# Node-RED with the real SQLite node). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/tools.sh

bash scripts/build.sh

echo "== cargo test (native)"
cargo test --quiet 2>&1

echo "== wasm-pack test --node"
wasm-pack test --node 2>&1 | grep -v '^\[INFO\]:'

echo "== mocha (JavaScript)"
node_modules/.bin/mocha --timeout 120000 'tests/js/**/*.test.js'
