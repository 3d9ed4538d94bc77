#!/usr/bin/env bash
# `npm start`: build what is missing, then run the demo backend on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec node scripts/demo.js
