"use strict";

const { parse } = require("../options.js");
const { keyFromOptions } = require("../keys.js");
const { readInput } = require("../input.js");
const { openBody, isUnopenable } = require("../core.js");
const { CliError } = require("../errors.js");
const { out } = require("../output.js");

/** A backend error reply such as {"error":"replay"} is plain JSON, not sealed. */
function backendError(text) {
    try {
        const body = JSON.parse(text);
        return body && typeof body.error === "string" ? body.error : undefined;
    } catch (e) {
        return undefined;
    }
}

module.exports = {
    name: "open",
    summary: "turn a request or reply body back into its JSON message",
    usage: `Usage: wsn-crypto open --key KEY [BODY]

Opens BODY (or standard input) with the device key and prints the JSON
message inside. BODY is anything of the protocol: a request body
({"msg":"U2FsdGVkX1..."} or {"iv","data"}) or a backend reply (the bare
"U2FsdGVkX1..." text of a passphrase-format reply, or {"iv","data"}).

Options:
  --key KEY     the device key; or set the WSN_KEY environment variable
  -h, --help    show this help

Example:
  curl -s http://127.0.0.1:1880/wsn/12FA | wsn-crypto open --key 2B7E151628AED2A6ABF7158809CF4F3C`,
    options: {
        key: { type: "string" }
    },
    positionals: true,

    async run(argv) {
        const { values, positionals } = parse(this, argv);
        const key = keyFromOptions(values);
        const body = await readInput(positionals, "the body");
        let opened;
        try {
            opened = openBody(body, key);
        } catch (error) {
            const code = isUnopenable(error) && backendError(body);
            if (code) {
                throw new CliError(`this is an error reply from the backend, not a sealed message: ${code}`);
            }
            if (isUnopenable(error)) {
                throw new CliError("cannot open: wrong key, or not a message of this protocol");
            }
            throw error;
        }
        out(JSON.stringify(opened.message));
        return 0;
    }
};
