"use strict";

const { parse, format, integer, jsonOrText, jsonObject } = require("../options.js");
const { keyFromOptions, checkKeyFor, checkId } = require("../keys.js");
const { readInput } = require("../input.js");
const { requestBody } = require("../core.js");
const { usageError } = require("../errors.js");
const { out } = require("../output.js");

/** The message: built from --seqn/--value/--data, or JSON text given. */
async function message(values, positionals) {
    if (values.seqn !== undefined) {
        if (positionals.length > 0) { throw usageError("give either a MESSAGE or --seqn, not both"); }
        if (values.value !== undefined && values.data !== undefined) {
            throw usageError("give either --value or --data, not both");
        }
        const seqn = integer(values, "seqn", { min: 0 });
        if (values.data !== undefined) { return { data: jsonObject(values.data, "--data"), SEQN: seqn }; }
        if (values.value !== undefined) { return { data: { value: jsonOrText(values.value) }, SEQN: seqn }; }
        return { SEQN: seqn };
    }
    if (values.value !== undefined || values.data !== undefined) {
        throw usageError("--value and --data go with --seqn");
    }
    const text = await readInput(positionals, "the JSON message");
    try {
        return JSON.parse(text);
    } catch (e) {
        throw usageError("the message is not valid JSON");
    }
}

/** The device id: required by the auth format, meaningless to the others. */
function deviceId(values, wireFormat) {
    if (wireFormat !== "auth") {
        if (values.id !== undefined) { throw usageError("--id goes with --format auth (the other formats do not carry the device id)"); }
        return undefined;
    }
    if (values.id === undefined) { throw usageError("--format auth needs --id: the device id is authenticated with the message"); }
    return checkId(values.id);
}

/** Single-quoted for a POSIX shell. */
function shellQuote(text) {
    return `'${text.replace(/'/g, "'\\''")}'`;
}

module.exports = {
    name: "seal",
    summary: "turn a JSON message into the exact request body a device sends",
    usage: `Usage: wsn-crypto seal --key KEY [--format F [--id ID]] [--curl URL] [MESSAGE]
       wsn-crypto seal --key KEY [--format F [--id ID]] [--curl URL] --seqn N [--value V | --data JSON]

Prints the body a device POSTs for MESSAGE (JSON, as an argument or on
standard input): {"msg":"U2FsdGVkX1..."} in the passphrase format,
{"iv":"...","data":"..."} in the raw format, both with the JSON
base64-encoded and encrypted with the device key as the firmware does; or
{"auth":"..."} in the authenticated format (encrypt-then-MAC, bound to the
device id and to the request direction; README, "The authenticated format").

Options:
  --key KEY     the device key; or set the WSN_KEY environment variable
  --format F    passphrase (default), raw or auth
  --id ID       the device id, which the auth format authenticates
                (required with --format auth)
  --seqn N      build the message instead: {"SEQN":N} (for POST /wsn/:id; in
                the auth format a reset also needs the backend's
                challenge: use resync), or
                with --value or --data {"data":...,"SEQN":N} (for POST /data/:id)
  --value V     the data value (a number, JSON, or text)
  --data JSON   the whole data object
  --curl URL    print a complete curl command that posts the body to URL
  -h, --help    show this help

Examples:
  wsn-crypto seal --key 2B7E151628AED2A6ABF7158809CF4F3C '{"data":{"value":300},"SEQN":121}'
  wsn-crypto seal --key 2B7E151628AED2A6ABF7158809CF4F3C --seqn 121 --value 300 \\
      --curl http://127.0.0.1:1880/data/12FA
  wsn-crypto seal --key 2B7E151628AED2A6ABF7158809CF4F3C --format auth --id 12FA --seqn 123 --value 300`,
    options: {
        key: { type: "string" },
        format: { type: "string" },
        id: { type: "string" },
        seqn: { type: "string" },
        value: { type: "string" },
        data: { type: "string" },
        curl: { type: "string" }
    },
    positionals: true,

    async run(argv) {
        const { values, positionals } = parse(this, argv);
        const wireFormat = format(values);
        const id = deviceId(values, wireFormat);
        const key = checkKeyFor(wireFormat, keyFromOptions(values));
        const body = requestBody(await message(values, positionals), key, wireFormat, id);
        if (values.curl !== undefined) {
            out(`curl -sS -H 'content-type: application/json' -d ${shellQuote(body)} ${shellQuote(values.curl)}`);
        } else {
            out(body);
        }
        return 0;
    }
};
