"use strict";

const { parse, integer, required } = require("../options.js");
const { checkId } = require("../keys.js");
const { keyForDevice } = require("../devices.js");
const { DEFAULT_URL, baseUrl, readChallenge, resetSeqn } = require("../device-client.js");
const { CliError, usageError } = require("../errors.js");
const { out, json } = require("../output.js");

module.exports = {
    name: "resync",
    summary: "act as a device: set the backend's SEQN with the replay-proof reset (auth format)",
    usage: `Usage: wsn-crypto resync --id ID [--key KEY | --db FILE] --seqn N [options]

Sets the backend's SEQN for the device to N, as a device does after it
lost track (the article's cases 2 and 3), in the authenticated format and
so that the request cannot be replayed:
  1. GET /wsn/:id?nonce=<fresh random>: the reply must carry a valid tag
     and echo the nonce; it holds the stored SEQN and a reset challenge;
  2. POST /wsn/:id with {"SEQN":N,"challenge":C}, sealed in the auth format;
  3. the acknowledgement {"SEQN":N,"ack":true} must carry a valid tag.
A challenge is good for one reset, within 60 s, and only while the SEQN
stays where it was; the backend refuses any other with 403 bad_challenge.
Resets only move the SEQN forward (409 otherwise).

Options:
  --url URL          the backend (default ${DEFAULT_URL})
  --id ID            the device id (required)
  --key KEY          the device key, hex; or set the WSN_KEY environment variable
  --db FILE          read the key from the backend's database instead
  --seqn N           the SEQN to set (required)
  --challenge C      send this challenge instead of fetching a fresh one
                     (to see an old or spent one refused)
  --timeout MS       give up on a request after MS milliseconds (default 10000)
  --json             print {"device", "previous", "seqn"} as JSON
  -h, --help         show this help

Example:
  wsn-crypto resync --db wsn.db --id 7F3A --seqn 1000`,
    options: {
        url: { type: "string" },
        id: { type: "string" },
        key: { type: "string" },
        db: { type: "string" },
        seqn: { type: "string" },
        challenge: { type: "string" },
        timeout: { type: "string" },
        json: { type: "boolean" }
    },
    positionals: false,

    async run(argv) {
        const { values } = parse(this, argv);
        const id = checkId(required(values, "id", "the device id"));
        required(values, "seqn", "the SEQN to set");
        const seqn = integer(values, "seqn", { min: 0 });
        const base = baseUrl(values.url || DEFAULT_URL);
        const timeoutMs = integer(values, "timeout", { min: 1 }, 10000);
        if (values.challenge === "") { throw usageError("--challenge must not be empty"); }
        const key = await keyForDevice(values, id, "auth");

        const device = { base, id, key, format: "auth", timeoutMs };
        let previous = null;
        let challenge = values.challenge;
        if (challenge === undefined) {
            const read = await readChallenge(device);
            if (read.challenge === undefined) {
                throw new CliError(`the backend's authenticated SEQN reply for device ${id} carries no reset challenge`);
            }
            previous = read.seqn;
            challenge = read.challenge;
        }
        await resetSeqn(device, seqn, challenge);
        if (values.json) {
            json({ device: id, previous, seqn });
        } else {
            out(previous === null
                ? `device ${id}: SEQN set to ${seqn}, acknowledged`
                : `device ${id}: SEQN ${previous} -> ${seqn}, acknowledged`);
        }
        return 0;
    }
};
