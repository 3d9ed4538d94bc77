#!/usr/bin/env node
"use strict";
// wsn-crypto: provision devices, act as a device against a running backend,
// and turn JSON messages into the exact bodies a device sends (and back).
// Everything cryptographic goes through the package's wasm core.

// A reader that stops early (`wsn-crypto list | head -1`) is not an error.
process.stdout.on("error", function (error) {
    if (error.code === "EPIPE") { process.exit(process.exitCode || 0); }
    throw error;
});

require("./cli/main.js").main(process.argv.slice(2)).then(function (status) {
    process.exitCode = status;
});
