"use strict";

const { parse, format, CIPHER_FORMATS } = require("../options.js");
const { keyFromOptions, checkKeyFor } = require("../keys.js");
const { readInput } = require("../input.js");
const { wasm } = require("../core.js");
const { out } = require("../output.js");

module.exports = {
    name: "encrypt",
    summary: "encrypt text as it is (the bare cipher; devices' messages come from seal)",
    usage: `Usage: wsn-crypto encrypt --key KEY [--format passphrase|raw] [TEXT]

Encrypts TEXT (or standard input, less one trailing newline) exactly as given:
  passphrase (default): CryptoJS.AES.encrypt(TEXT, KEY).toString(), the
                        OpenSSL "Salted__" base64 string
  raw:                  {"iv","data"}: AES-CBC with the hex KEY and a fresh IV
This is the bare cipher. The messages devices send also base64-encode their
JSON before encryption, as the firmware does: make those with seal, which
also makes the authenticated format (seal --format auth).

Options:
  --key KEY     the key or passphrase; or set the WSN_KEY environment variable
  --format F    passphrase (default) or raw
  -h, --help    show this help

Example:
  wsn-crypto encrypt --key 2B7E151628AED2A6ABF7158809CF4F3C 'hello'`,
    options: {
        key: { type: "string" },
        format: { type: "string" }
    },
    positionals: true,

    async run(argv) {
        const { values, positionals } = parse(this, argv);
        const wireFormat = format(values, CIPHER_FORMATS);
        const key = checkKeyFor(wireFormat, keyFromOptions(values));
        const text = await readInput(positionals, "the text");
        out(wireFormat === "raw" ? JSON.stringify(wasm().encryptRaw(text, key)) : wasm().encrypt(text, key));
        return 0;
    }
};
