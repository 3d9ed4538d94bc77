#!/usr/bin/env node
"use strict";
// wsn-crypto: provision devices, act as a device against a running backend,
// and turn JSON messages into the exact bodies a device sends (and back).
// Everything cryptographic goes through the package's wasm core.

require("./cli/main.js").main(process.argv.slice(2)).then(function (status) {
    process.exitCode = status;
});
