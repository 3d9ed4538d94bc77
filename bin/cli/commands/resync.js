"use strict";

const { parse, integer, required, format } = require("../options.js");
const { checkId } = require("../keys.js");
const { keyForDevice } = require("../devices.js");
const { resetSeqn } = require("../device-client.js");
const { transportTarget, openTransport, TRANSPORT_OPTIONS, TRANSPORT_HELP } = require("../transports.js");
const { out, json } = require("../output.js");

module.exports = {
    name: "resync",
    summary: "act as a device: move the backend's SEQN forward with a reset (auth format)",
    usage: `Usage: wsn-crypto resync --id ID [--key KEY | --db FILE] --seqn N [options]

Sets the backend's SEQN for the device to N, as a device does after it
lost track (the article's cases 2 and 3). In the auth format (the default)
this is one round trip:
  1. POST /wsn/:id with a reset request, kind reset and SEQN N in its
     authenticated header;
  2. the answer must verify as the answer to that request: an ack naming N
     (done), or a sealed refusal, which names the SEQN the backend stores.
Resets only move the SEQN forward: N at or below the stored SEQN is refused
with 409 (replay or stale), and the message says the stored SEQN when the
refusal is sealed. There is no challenge: a captured reset replayed later
names a SEQN that is no longer above the stored one.

--format passphrase sends the article's reset, {"SEQN":N} encrypted with
the passphrase (forward-only too, but unauthenticated), for a legacy device
that may not use auth. The backend refuses resets in the raw format for
every device (403): a raw reset's SEQN can be rewritten through its IV.

With --mqtt the reset is a publish on wsn/<id>/up, answered on a response
topic of its own under wsn/<id>/down/.

Options:
${TRANSPORT_HELP}
  --id ID            the device id (required)
  --key KEY          the device key (hex for auth); or set the WSN_KEY
                     environment variable
  --db FILE          read the key from the backend's database instead
  --kek FILE         the key-encryption key file, for a wrapped key in --db
                     (default: WSN_KEK or the file WSN_KEK_FILE names)
  --seqn N           the SEQN to set (required)
  --format F         auth (default) or passphrase; raw is always refused
  --timeout MS       give up on a request after MS milliseconds (default 10000)
  --json             print {"device", "seqn", "format"} as JSON
  -h, --help         show this help

Examples:
  wsn-crypto resync --db wsn.db --id 7F3A --seqn 1000
  WSN_KEY=2B7E151628AED2A6ABF7158809CF4F3C wsn-crypto resync --id 12FA --seqn 500 --format passphrase`,
    options: Object.assign({}, TRANSPORT_OPTIONS, {
        id: { type: "string" },
        key: { type: "string" },
        db: { type: "string" },
        kek: { type: "string" },
        seqn: { type: "string" },
        format: { type: "string" },
        timeout: { type: "string" },
        json: { type: "boolean" }
    }),
    positionals: false,

    async run(argv) {
        const { values } = parse(this, argv);
        const id = checkId(required(values, "id", "the device id"));
        const target = transportTarget(values, id);
        required(values, "seqn", "the SEQN to set");
        const seqn = integer(values, "seqn", { min: 0 });
        const timeoutMs = integer(values, "timeout", { min: 1 }, 10000);
        // raw is accepted here so that the backend's refusal is what the user sees.
        const wireFormat = format(values, undefined, "auth");
        const key = await keyForDevice(values, id, wireFormat);

        const transport = await openTransport(target, timeoutMs);
        try {
            await resetSeqn({ transport, id, key, format: wireFormat }, seqn);
        } finally {
            await transport.close();
        }
        if (values.json) {
            json({ device: id, seqn, format: wireFormat });
        } else {
            out(`device ${id}: SEQN set to ${seqn}, acknowledged`);
        }
        return 0;
    }
};
