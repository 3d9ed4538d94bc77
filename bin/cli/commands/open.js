"use strict";

const { parse, oneOf, FORMATS } = require("../options.js");
const { keyFromOptions, checkId } = require("../keys.js");
const { readInput } = require("../input.js");
const { openBody, isUnopenable } = require("../core.js");
const { CliError } = require("../errors.js");
const { out } = require("../output.js");
const { errorCode } = require("../device-client.js");

const DIRECTIONS = ["request", "reply"];

module.exports = {
    name: "open",
    summary: "turn a request or reply body back into its JSON message",
    usage: `Usage: wsn-crypto open --key KEY [--id ID] [--format F] [--direction D] [BODY]

Opens BODY (or standard input) with the device key and prints the JSON
message inside. BODY is anything of the protocol: a request body
({"msg":"U2FsdGVkX1..."}, {"iv","data"} or {"auth"}) or a backend reply (the
bare "U2FsdGVkX1..." text of a passphrase-format reply, {"iv","data"} or
{"auth"}). An {"auth"} body opens only if its tag holds for the key, the
device id and the direction it was made in.

Options:
  --key KEY       the device key; or set the WSN_KEY environment variable
  --id ID         the device id (required for {"auth"} bodies)
  --format F      open only a body of this format (passphrase, raw or auth):
                  any other is refused, as an auth-only device's backend does
  --direction D   request (made by a device) or reply (made by the backend),
                  for {"auth"} bodies; by default either, whichever the tag
                  holds for
  -h, --help      show this help

Examples:
  curl -s http://127.0.0.1:1880/wsn/12FA | wsn-crypto open --key 2B7E151628AED2A6ABF7158809CF4F3C
  curl -s 'http://127.0.0.1:1880/wsn/12FA?nonce=n1' |
      wsn-crypto open --key 2B7E151628AED2A6ABF7158809CF4F3C --format auth --id 12FA`,
    options: {
        key: { type: "string" },
        id: { type: "string" },
        format: { type: "string" },
        direction: { type: "string" }
    },
    positionals: true,

    async run(argv) {
        const { values, positionals } = parse(this, argv);
        const format = oneOf(values, "format", FORMATS);
        const direction = oneOf(values, "direction", DIRECTIONS);
        const deviceId = values.id !== undefined ? checkId(values.id) : undefined;
        const key = keyFromOptions(values);
        const body = await readInput(positionals, "the body");
        let opened;
        try {
            opened = openBody(body, key, { deviceId, direction, formats: format });
        } catch (error) {
            // A backend error reply such as {"error":"replay"} is plain JSON, not sealed.
            const code = isUnopenable(error) && errorCode(body);
            if (code) {
                throw new CliError(`this is an error reply from the backend, not a sealed message: ${code}`);
            }
            if (error.code === "format_not_allowed") {
                throw new CliError(`this body is not in the ${format} format (--format ${format} refuses the others)`);
            }
            if (isUnopenable(error)) {
                throw new CliError(deviceId === undefined
                    ? "cannot open: wrong key, or not a message of this protocol"
                    : "cannot open: wrong key, device id or direction, a tampered body, or not a message of this protocol");
            }
            throw error;
        }
        out(JSON.stringify(opened.message));
        return 0;
    }
};
