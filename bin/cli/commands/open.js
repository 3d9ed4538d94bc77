"use strict";

const fs = require("fs");
const { parse, oneOf, FORMATS } = require("../options.js");
const { keyFromOptions, checkId } = require("../keys.js");
const { readInput } = require("../input.js");
const { openBody, isUnopenable, authTag } = require("../core.js");
const { CliError, usageError } = require("../errors.js");
const { out } = require("../output.js");
const { errorCode } = require("../device-client.js");

const DIRECTIONS = ["request", "reply"];

/**
 * The base64 tag of the request an auth reply answers, from --request-body:
 * the request body itself (JSON text, as seal printed it) or a file holding it.
 */
function requestTag(value) {
    if (value === undefined) { return undefined; }
    let text = value;
    if (!value.trim().startsWith("{")) {
        try {
            text = fs.readFileSync(value, "utf8");
        } catch (error) {
            throw usageError("--request-body must be the request's {\"auth\"} body (as seal printed it) or a file holding it; no such file");
        }
    }
    const tag = authTag(text.trim());
    if (tag === undefined) {
        throw usageError("--request-body must be an authenticated request body, {\"auth\": ...} (as seal --format auth printed it)");
    }
    return tag;
}

module.exports = {
    name: "open",
    summary: "turn a request or reply body back into its JSON message",
    usage: `Usage: wsn-crypto open --key KEY [--id ID [--request-body REQUEST]] [--format F] [--direction D] [BODY]

Opens BODY (or standard input) with the device key and prints the JSON
message inside. BODY is anything of the protocol: a request body
({"msg":"U2FsdGVkX1..."}, {"iv","data"} or {"auth"}) or a backend reply (the
bare "U2FsdGVkX1..." text of a passphrase-format reply, {"iv","data"},
{"auth"}, or a refusal {"error","auth"}, whose sealed part opens). An
{"auth"} body opens only if its tag holds for the key and the device id; an
auth reply (SEQN reply, ack, refusal) also only for the request it
answers, so it needs that request's body: --request-body.

Options:
  --key KEY       the device key; or set the WSN_KEY environment variable
  --id ID         the device id (required for {"auth"} bodies)
  --request-body REQUEST
                  for an auth reply: the {"auth"} request body it answers,
                  as seal printed it (JSON text), or a file holding it; its
                  tag (the last 16 bytes) is what the reply is bound to
  --format F      open only a body of this format (passphrase, raw or auth):
                  any other is refused, as an auth-only device's backend does
  --direction D   request (made by a device) or reply (made by the backend),
                  for {"auth"} bodies; by default the one the kind in its
                  header names (the tag decides whether it holds)
  -h, --help      show this help

Examples:
  curl -s http://127.0.0.1:1880/wsn/12FA | wsn-crypto open --key 2B7E151628AED2A6ABF7158809CF4F3C
  export WSN_KEY=2B7E151628AED2A6ABF7158809CF4F3C
  query=$(wsn-crypto seal --format auth --id 12FA --kind query)
  curl -s -H 'content-type: application/json' -d "$query" http://127.0.0.1:1880/wsn/12FA |
      wsn-crypto open --id 12FA --request-body "$query"`,
    options: {
        key: { type: "string" },
        id: { type: "string" },
        "request-body": { type: "string" },
        format: { type: "string" },
        direction: { type: "string" }
    },
    positionals: true,

    async run(argv) {
        const { values, positionals } = parse(this, argv);
        const format = oneOf(values, "format", FORMATS);
        const direction = oneOf(values, "direction", DIRECTIONS);
        const deviceId = values.id !== undefined ? checkId(values.id) : undefined;
        const request = requestTag(values["request-body"]);
        if (request !== undefined && deviceId === undefined) {
            throw usageError("--request-body goes with --id: auth replies are bound to the device id too");
        }
        const key = keyFromOptions(values);
        const body = await readInput(positionals, "the body");
        let opened;
        try {
            opened = openBody(body, key, { deviceId, direction, request, formats: format });
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
                    : "cannot open: wrong key, device id or direction, a reply to another request than --request-body, a tampered body, or not a message of this protocol");
            }
            throw error;
        }
        out(JSON.stringify(opened.message));
        return 0;
    }
};
