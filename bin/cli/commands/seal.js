"use strict";

const { parse, format, oneOf, integer, jsonOrText, jsonObject } = require("../options.js");
const { keyFromOptions, checkKeyFor, checkId } = require("../keys.js");
const { readInput } = require("../input.js");
const { requestBody } = require("../core.js");
const { usageError } = require("../errors.js");
const { out } = require("../output.js");

const KINDS = ["query", "reset", "data"];

/** The message: built from --seqn/--value/--data, or JSON text given. */
async function message(values, positionals) {
    // A query needs nothing: no message to read.
    if (values.kind === "query" && values.seqn === undefined && positionals.length === 0 &&
        values.value === undefined && values.data === undefined) {
        return {};
    }
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

function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The kind of an auth request: --kind, else what the message is: data when
 * it has a data member, a reset when it has only a SEQN, else a query. The
 * backend refuses a kind its endpoint does not take (400 wrong_kind), so it
 * is checked against the message here, before anything is sealed.
 */
function requestKind(values, wireFormat, msg) {
    const given = values.kind;
    if (wireFormat !== "auth") { return undefined; }
    if (!isObject(msg)) { throw usageError("the message must be a JSON object"); }
    const kind = given || (msg.data !== undefined ? "data" : msg.SEQN !== undefined ? "reset" : "query");
    if (kind === "data" && !isObject(msg.data)) {
        throw usageError("a data message needs a data object (--value V or --data JSON, with --seqn N)");
    }
    if (kind !== "data" && msg.data !== undefined) {
        throw usageError(`a ${kind} carries no data (data messages are --kind data)`);
    }
    if ((kind === "data" || kind === "reset") && msg.SEQN === undefined) {
        throw usageError(`a ${kind} needs its SEQN (--seqn N, or a "SEQN" member in the message)`);
    }
    return kind;
}

/** Single-quoted for a POSIX shell. */
function shellQuote(text) {
    return `'${text.replace(/'/g, "'\\''")}'`;
}

module.exports = {
    name: "seal",
    summary: "turn a JSON message into the exact request body a device sends",
    usage: `Usage: wsn-crypto seal --key KEY [--format F [--id ID] [--kind K]] [--curl URL] [MESSAGE]
       wsn-crypto seal --key KEY [--format F [--id ID] [--kind K]] [--curl URL] --seqn N [--value V | --data JSON]
       wsn-crypto seal --key KEY --format auth --id ID --kind query [--curl URL]

Prints the body a device POSTs for MESSAGE (JSON, as an argument or on
standard input): {"msg":"U2FsdGVkX1..."} in the passphrase format,
{"iv":"...","data":"..."} in the raw format, both with the JSON
base64-encoded and encrypted with the device key as the firmware does; or
{"auth":"..."} in the authenticated format (encrypt-then-MAC; the header
under the tag names the device id, the kind of request and its SEQN;
README section The authenticated format). To read the backend's reply to an auth request, give
this body to open --request-body.

Options:
  --key KEY     the device key; or set the WSN_KEY environment variable
  --format F    passphrase (default), raw or auth
  --id ID       the device id, which the auth format authenticates
                (required with --format auth)
  --kind K      the kind of an auth request (only with --format auth):
                  query  POST /wsn/:id, asks for the stored SEQN; needs no
                         message (seals {})
                  reset  POST /wsn/:id, moves the SEQN forward to N
                  data   POST /data/:id, a data message with SEQN N
                Default: data when the message has data (--value, --data),
                reset when it has only a SEQN (--seqn N alone), query when
                it is {}
  --seqn N      build the message instead: {"SEQN":N} (a reset, for POST
                /wsn/:id), or with --value or --data {"data":...,"SEQN":N}
                (for POST /data/:id)
  --value V     the data value (a number, JSON, or text)
  --data JSON   the whole data object
  --curl URL    print a complete curl command that posts the body to URL
  -h, --help    show this help

Examples:
  wsn-crypto seal --key 2B7E151628AED2A6ABF7158809CF4F3C '{"data":{"value":300},"SEQN":121}'
  wsn-crypto seal --key 2B7E151628AED2A6ABF7158809CF4F3C --seqn 121 --value 300 \\
      --curl http://127.0.0.1:1880/data/12FA
  wsn-crypto seal --key 2B7E151628AED2A6ABF7158809CF4F3C --format auth --id 12FA --seqn 123 --value 300
  wsn-crypto seal --key 2B7E151628AED2A6ABF7158809CF4F3C --format auth --id 12FA --kind query`,
    options: {
        key: { type: "string" },
        format: { type: "string" },
        id: { type: "string" },
        kind: { type: "string" },
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
        // Checked before a message is read from standard input.
        if (oneOf(values, "kind", KINDS) !== undefined && wireFormat !== "auth") {
            throw usageError("--kind goes with --format auth (the other formats do not name a kind)");
        }
        const msg = await message(values, positionals);
        const body = requestBody(msg, key, wireFormat, id, requestKind(values, wireFormat, msg));
        if (values.curl !== undefined) {
            out(`curl -sS -H 'content-type: application/json' -d ${shellQuote(body)} ${shellQuote(values.curl)}`);
        } else {
            out(body);
        }
        return 0;
    }
};
