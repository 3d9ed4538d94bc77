#!/usr/bin/env bash
# Builds pkg/ (the wasm module for Node.js) from the Rust crate, installing
# whatever is missing: the wasm32 target, wasm-pack, wasm-bindgen-cli at the
# exact version in Cargo.lock, and npm dev dependencies (binaryen's wasm-opt).
# Tools already installed at the right version are reused, so a second run
# only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/tools.sh

ensure_rust_tools
ensure_npm_packages

wasm-pack build --release --target nodejs --out-dir pkg --no-pack 2>&1 | grep -v '^\[INFO\]:' || true
[ -f pkg/wsn_crypto_bg.wasm ] || { echo "build: wasm-pack produced no pkg/wsn_crypto_bg.wasm" >&2; exit 1; }

# The features rustc enables by default for wasm32 must be allowed here too.
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  pkg/wsn_crypto_bg.wasm -o pkg/wsn_crypto_bg.wasm
# wasm-pack writes a pkg/.gitignore of "*"; npm pack would honour it and ship no .wasm.
rm -f pkg/.gitignore
echo "build: pkg/wsn_crypto_bg.wasm $(wc -c < pkg/wsn_crypto_bg.wasm) bytes"
