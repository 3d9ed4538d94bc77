"use strict";

const { parse } = require("../options.js");
const { keyFromOptions } = require("../keys.js");
const { readInput } = require("../input.js");
const { wasm, isUnopenable } = require("../core.js");
const { CliError } = require("../errors.js");
const { out } = require("../output.js");

/** `{"iv","data"}` JSON for the raw format, else a passphrase-format string. */
function rawParts(text) {
    if (!text.startsWith("{")) { return null; }
    let body;
    try {
        body = JSON.parse(text);
    } catch (e) {
        throw new CliError("the input starts like JSON but is not valid JSON");
    }
    if (!body || typeof body.iv !== "string" || typeof body.data !== "string") {
        throw new CliError('JSON input must be {"iv": ..., "data": ...} (for a {"msg": ...} body, use open)');
    }
    return body;
}

module.exports = {
    name: "decrypt",
    summary: "decrypt what encrypt produced",
    usage: `Usage: wsn-crypto decrypt --key KEY [CIPHERTEXT]

Decrypts CIPHERTEXT (or standard input) and prints the text inside: a
passphrase-format string ("U2FsdGVkX1...") or raw-format {"iv","data"} JSON.
This is the bare cipher: to read a device's message or a backend reply, use
open, which also undoes the base64 and parses the JSON.

Options:
  --key KEY     the key or passphrase; or set the WSN_KEY environment variable
  -h, --help    show this help`,
    options: {
        key: { type: "string" }
    },
    positionals: true,

    async run(argv) {
        const { values, positionals } = parse(this, argv);
        const key = keyFromOptions(values);
        const text = (await readInput(positionals, "the ciphertext")).trim();
        const raw = rawParts(text);
        try {
            out(raw ? wasm().decryptRaw(raw.iv, raw.data, key) : wasm().decrypt(text, key));
        } catch (error) {
            if (isUnopenable(error)) {
                throw new CliError("cannot decrypt: wrong key, or not a ciphertext of this format");
            }
            throw error;
        }
        return 0;
    }
};
