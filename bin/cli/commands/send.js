"use strict";

const { parse, integer, format, required, jsonOrText, jsonObject } = require("../options.js");
const { checkId } = require("../keys.js");
const { keyForDevice } = require("../devices.js");
const { readSeqn, sendData } = require("../device-client.js");
const { transportTarget, openTransport, TRANSPORT_OPTIONS, TRANSPORT_HELP } = require("../transports.js");
const { runSends } = require("../sender.js");
const { summarize, formatSummary } = require("../stats.js");
const { createProgress } = require("../progress.js");
const { usageError } = require("../errors.js");
const { out, note, json } = require("../output.js");

const EXIT_INTERRUPTED = 130;

/** The data object of the index-th message. */
function dataMaker(values, positionals) {
    if (values.data !== undefined) {
        if (values.value !== undefined || positionals.length > 0) {
            throw usageError("give either --data or values, not both");
        }
        const data = jsonObject(values.data, "--data");
        return () => data;
    }
    const given = (values.value || []).concat(positionals).map(jsonOrText);
    if (given.length === 0) {
        return (index) => ({ value: index + 1 });
    }
    return (index) => ({ value: given[index % given.length] });
}

module.exports = {
    name: "send",
    summary: "act as a device: send encrypted data to a running backend and check the acks",
    usage: `Usage: wsn-crypto send --id ID [--key KEY | --db FILE] [options] [VALUE ...]

Acts as a device against a running backend. Reads the device's stored SEQN,
then sends {"data":{"value":V},"SEQN":n} to POST /data/:id with n counting
up from the stored SEQN + 1, and checks each acknowledgement. Prints a
summary: sent, acknowledged, rejected, failed, lost, latency p50/p99.

In the auth format (the default) the SEQN is read with an authenticated
SEQN query (POST /wsn/:id), and every reply is trusted only if it verifies
as the answer to the request just sent: a SEQN reply, or an ack naming the
SEQN sent. A refusal (409 replay or stale) counts as rejected; its sealed
part names the SEQN the backend stores, and the next message goes above it
at once (no new query). A refusal without a valid sealed part is not
trusted: it counts as failed (unverified_refusal) and moves nothing.
The legacy formats read the SEQN with GET /wsn/:id and trust what decrypts.

With --mqtt the requests are publishes on wsn/<id>/up (the SEQN query of
a legacy format an empty one), each answered on a response topic of the
run's own under wsn/<id>/down/, as the shipped MQTT flows do.

Options:
${TRANSPORT_HELP}
  --id ID            the device id (required)
  --key KEY          the device key; or set the WSN_KEY environment variable
  --db FILE          read the key from the backend's database instead
  --kek FILE         the key-encryption key file, for a wrapped key in --db
                     (default: WSN_KEK or the file WSN_KEK_FILE names)
  --format F         auth (default): body {"auth"}, the authenticated
                     format (needs a hex key);
                     passphrase: body {"msg":"U2FsdGVkX1..."} (legacy);
                     raw: body {"iv","data"}, as the ESP8266 firmware sends
                     (legacy)
  --count N          messages to send (default: the number of values, or 1)
  --value V          a value to send; repeat it, or list values after the
                     options. They are used in turn; numbers and JSON are
                     sent as such, other text as a string.
                     Default: 1, 2, 3, ... (the message's place in the run)
  --data JSON        send this data object instead of {"value": V}
  --interval MS      start messages at least MS milliseconds apart (default 0)
  --concurrency N    messages in flight at once (default 1). Above 1, one
                     request can overtake another; the backend then refuses
                     the overtaken one as stale, and it counts as rejected.
  --start N          send from SEQN N without reading it from the backend
                     (to see a replay or a stale SEQN refused)
  --timeout MS       give up on a request after MS milliseconds (default 10000)
  --json             print the summary as JSON
  -h, --help         show this help

Progress is shown on stderr when it is a terminal. The run stops at the
first error that every later message would meet too: backend unreachable,
unknown device, wrong key, a format the device may not use (403). Exit
status: 0 when every message was acknowledged, 1 otherwise, 2 for bad
arguments, 130 when interrupted.

Examples:
  WSN_KEY=9C1E... wsn-crypto send --id 7F3A 300 -40 21.5
  wsn-crypto send --db wsn.db --id 7F3A --count 20
  WSN_KEY=2B7E151628AED2A6ABF7158809CF4F3C wsn-crypto send --id 12FA --format passphrase 300
  wsn-crypto send --db wsn.db --id 12FA --count 50 --format raw
  WSN_MQTT_PASSWORD=... wsn-crypto send --db wsn.db --id 7F3A --mqtt mqtt://127.0.0.1:1883 21.5`,
    options: Object.assign({}, TRANSPORT_OPTIONS, {
        id: { type: "string" },
        key: { type: "string" },
        db: { type: "string" },
        kek: { type: "string" },
        format: { type: "string" },
        count: { type: "string" },
        value: { type: "string", multiple: true },
        data: { type: "string" },
        interval: { type: "string" },
        concurrency: { type: "string" },
        start: { type: "string" },
        timeout: { type: "string" },
        json: { type: "boolean" }
    }),
    positionals: true,

    async run(argv) {
        const { values, positionals } = parse(this, argv);
        const id = checkId(required(values, "id", "the device id"));
        const target = transportTarget(values, id);
        const wireFormat = format(values, undefined, "auth");
        const makeData = dataMaker(values, positionals);
        const givenValues = (values.value || []).length + positionals.length;
        const count = integer(values, "count", { min: 1 }, Math.max(givenValues, 1));
        const concurrency = integer(values, "concurrency", { min: 1, max: 1000 }, 1);
        const intervalMs = integer(values, "interval", { min: 0 }, 0);
        const timeoutMs = integer(values, "timeout", { min: 1 }, 10000);
        const start = integer(values, "start", { min: 0 }, undefined);
        const key = await keyForDevice(values, id, wireFormat);

        const transport = await openTransport(target, timeoutMs);
        try {
            return await sendAll({ transport, id, key, format: wireFormat }, { values, count, concurrency, intervalMs, start, makeData });
        } finally {
            await transport.close();
        }
    }
};

/** The run of `send` once the transport is open. */
async function sendAll(device, run) {
    const { values, count, concurrency, intervalMs, start, makeData } = run;
    const { id, format: wireFormat } = device;
    const firstSeqn = start !== undefined ? start : 1 + await readSeqn(device);

    let interrupted = false;
    const onInterrupt = () => { interrupted = true; };
    process.on("SIGINT", onInterrupt);
    const progress = createProgress(values.json ? null : process.stderr, count);
    const live = { sent: 0, acknowledged: 0, rejected: 0, failed: 0 };
    const started = process.hrtime.bigint();
    let sent;
    try {
        sent = await runSends({
            count, concurrency, intervalMs, firstSeqn,
            sendOne: (seqn, index) => sendData(device, seqn, makeData(index)),
            onResult: function (result) {
                live.sent++;
                live[result.outcome]++;
                progress.update(live);
            },
            shouldStop: () => interrupted
        });
    } finally {
        progress.done();
        process.removeListener("SIGINT", onInterrupt);
    }
    const summary = summarize(sent.results, Number(process.hrtime.bigint() - started) / 1e6);
    summary.device = id;
    summary.format = wireFormat;
    if (sent.error) { summary.error = sent.error.message; }
    if (values.json) {
        json(summary);
    } else if (summary.sent > 0) {
        out(formatSummary(summary));
    }
    if (sent.error) { throw sent.error; }
    if (interrupted) {
        note(`interrupted after ${summary.sent} of ${count} messages`);
        return EXIT_INTERRUPTED;
    }
    if (summary.rejected > 0) {
        note(`${summary.rejected} message(s) refused with 409: the backend had already accepted that SEQN or a higher one` +
            (concurrency > 1 ? " (with --concurrency above 1, requests overtake each other)" : "") +
            (summary.resynced > 0 ? `; the sealed refusals named the stored SEQN, and the run carried on above ${summary.resyncedTo}` : ""));
    }
    return summary.acknowledged === count ? 0 : 1;
}
