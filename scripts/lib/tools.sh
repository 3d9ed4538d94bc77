# Shared set-up steps, sourced by the scripts in scripts/. Each step checks
# first and installs only what is missing, so warm runs take seconds.

export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '%s\n' "setup: $*" >&2; }

wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! command -v wasm-pack >/dev/null; then
    log "installing wasm-pack (about 2 minutes, once)"
    cargo install wasm-pack --version 0.15.1
  fi
  local want
  want=$(wasm_bindgen_version)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    # Not --locked: one of the locked dependencies of wasm-bindgen-cli is no
    # longer on the registry.
    log "installing wasm-bindgen-cli $want (about 5 minutes, once)"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_npm_packages() {
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/node-red ] \
     || [ package.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages (sqlite3 compiles from source, about 2 minutes, once)"
    npm install --no-audit --no-fund
  fi
}
