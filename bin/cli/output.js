"use strict";
// Results go to stdout, notes and errors to stderr, so that
// `$(wsn-crypto seal …)` or a pipe gets only the result.

function out(text) {
    process.stdout.write(text + "\n");
}

function note(text) {
    process.stderr.write(text + "\n");
}

function json(value) {
    out(JSON.stringify(value, null, 2));
}

module.exports = { out, note, json };
