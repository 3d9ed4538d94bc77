"use strict";

const path = require("path");
const { integer, required, parse } = require("../options.js");
const { KEY_BITS, generateKey, generateId, checkDeviceKey, checkId } = require("../keys.js");
const { createSchema, addDevice, rotateKey, exists } = require("../devices.js");
const { withDatabase } = require("../sqlite.js");
const { usageError } = require("../errors.js");
const { out, note, json } = require("../output.js");

const GENERATED_ID_ATTEMPTS = 10;

module.exports = {
    name: "provision",
    summary: "add a device to the SQLite database and print its new key, once",
    usage: `Usage: wsn-crypto provision --db FILE [--id ID] [--key KEY | --bits N] [--rotate] [--json]

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
  --rotate      give an existing device a new key; its SEQN stays, so
                messages made with the old key can never be replayed
  --json        print {"id", "key", "seqn"} as JSON
  -h, --help    show this help

Example:
  wsn-crypto provision --db ~/.node-red/wsn.db --id 12FA`,
    options: {
        db: { type: "string" },
        id: { type: "string" },
        key: { type: "string" },
        bits: { type: "string" },
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
        let id = values.id !== undefined ? checkId(values.id) : undefined;

        const seqn = await withDatabase(db, "create", async function (database) {
            await createSchema(database);
            if (values.rotate) { return rotateKey(database, id, key); }
            if (id === undefined) {
                for (let attempt = 0; attempt < GENERATED_ID_ATTEMPTS && id === undefined; attempt++) {
                    const candidate = generateId();
                    if (!(await exists(database, candidate))) { id = candidate; }
                }
            }
            return addDevice(database, id, key);
        });

        if (values.json) {
            json({ id, key, seqn });
        } else {
            out(`device ${id}`);
            out(`key    ${key}`);
        }
        note(`${values.rotate ? "new key for" : "provisioned"} device ${id} in ${path.resolve(db)}, SEQN ${seqn}; ` +
            "the key is shown only this once: store it on the device now.");
        return 0;
    }
};
