"use strict";

const path = require("path");
const { integer, required, parse, formatList } = require("../options.js");
const { KEY_BITS, generateKey, generateId, checkDeviceKey, checkId } = require("../keys.js");
const { createSchema, addDevice, rotateKey, exists } = require("../devices.js");
const { withDatabase } = require("../sqlite.js");
const { CliError, usageError } = require("../errors.js");
const { out, note, json } = require("../output.js");

const GENERATED_ID_ATTEMPTS = 10;

module.exports = {
    name: "provision",
    summary: "add a device to the SQLite database and print its new key, once",
    usage: `Usage: wsn-crypto provision --db FILE [--id ID] [--key KEY | --bits N] [--formats LIST] [--rotate] [--json]

Adds a device to the backend's SQLite database with SEQN 0 and prints its
key. This is the only time the key is shown (list never shows keys): put it
in the device's firmware now. Creates the database and its tables
(flows/schema.sql) if they are missing.

Options:
  --db FILE     the database file the backend's flows use (required)
  --id ID       device id: 1 to 64 of A-Z a-z 0-9 . _ ~ -
                (default: 6 random hex digits)
  --key KEY     the device key, 32, 48 or 64 hex digits
                (default: a fresh random key from the OS's secure generator)
  --bits N      size of a generated key: 128 (default), 192 or 256
  --formats LIST
                the wire formats the device may use, comma-separated:
                auth for a device that speaks only the authenticated
                format (the backend then refuses the others with 403),
                or e.g. passphrase,raw,auth (default: the table's
                default, every format)
  --rotate      give an existing device a new key (and --formats, if
                given); its SEQN stays, so messages made with the old key
                can never be replayed
  --json        print {"id", "key", "seqn", "formats"} as JSON
  -h, --help    show this help

Examples:
  wsn-crypto provision --db ~/.node-red/wsn.db --id 12FA
  wsn-crypto provision --db ~/.node-red/wsn.db --id 7F3A --formats auth`,
    options: {
        db: { type: "string" },
        id: { type: "string" },
        key: { type: "string" },
        bits: { type: "string" },
        formats: { type: "string" },
        rotate: { type: "boolean" },
        json: { type: "boolean" }
    },
    positionals: false,

    async run(argv) {
        const { values } = parse(this, argv);
        const db = required(values, "db", "the database file");
        if (values.key !== undefined && values.bits !== undefined) {
            throw usageError("give either --key or --bits, not both");
        }
        const bits = integer(values, "bits", { min: 128, max: 256 }, 128);
        if (!KEY_BITS.includes(bits)) { throw usageError("--bits must be 128, 192 or 256"); }
        if (values.rotate && values.id === undefined) { throw usageError("--rotate needs the --id of the device"); }
        const key = values.key !== undefined ? checkDeviceKey(values.key) : generateKey(bits);
        const formats = values.formats !== undefined ? formatList(values.formats, "formats") : undefined;
        let id = values.id !== undefined ? checkId(values.id) : undefined;

        const state = await withDatabase(db, "create", async function (database) {
            await createSchema(database);
            if (values.rotate) { return rotateKey(database, id, key, formats); }
            if (id === undefined) {
                for (let attempt = 0; attempt < GENERATED_ID_ATTEMPTS && id === undefined; attempt++) {
                    const candidate = generateId();
                    if (!(await exists(database, candidate))) { id = candidate; }
                }
                if (id === undefined) { throw new CliError("no free device id found; give one with --id"); }
            }
            return addDevice(database, id, key, formats);
        });
        const { seqn } = state;

        if (values.json) {
            json({ id, key, seqn, formats: state.formats });
        } else {
            out(`device ${id}`);
            out(`key    ${key}`);
        }
        const allowed = state.formats === null ? "" : `, formats ${state.formats}`;
        note(`${values.rotate ? "new key for" : "provisioned"} device ${id} in ${path.resolve(db)}, SEQN ${seqn}${allowed}; ` +
            "the key is shown only this once: store it on the device now.");
        return 0;
    }
};
