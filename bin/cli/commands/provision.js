"use strict";

const path = require("path");
const { integer, required, parse, formatList, legacyFormats } = require("../options.js");
const { KEY_BITS, generateKey, generateId, checkDeviceKey, checkId } = require("../keys.js");
const { createSchema, addDevice, rotateKey, exists } = require("../devices.js");
const { withDatabase } = require("../sqlite.js");
const { CliError, usageError } = require("../errors.js");
const { out, note, json } = require("../output.js");

const GENERATED_ID_ATTEMPTS = 10;
// What a new device may use unless --formats says otherwise. Written out, not
// left to the column's default: a database upgraded from before per-device
// formats has 'passphrase,raw,auth' there.
const DEFAULT_FORMATS = "auth";

/** The one-line warning for a device given legacy formats: what they cost. */
function legacyWarning(id, formats) {
    const legacy = legacyFormats(formats);
    if (legacy.length === 0) { return undefined; }
    const which = legacy.length > 1 ? `the legacy formats ${legacy.join(" and ")}, which are` : `the legacy format ${legacy[0]}, which is`;
    return `wsn-crypto provision: warning: device ${id} may use ${which} unauthenticated ` +
        "(malleable AES-CBC; a recorded GET reply can be replayed to a rebooted device)" +
        (legacy.includes("raw") ? "; raw cannot reset its SEQN" : "") +
        "; use --formats auth once its firmware speaks the authenticated format";
}

module.exports = {
    name: "provision",
    summary: "add a device to the SQLite database and print its new key, once",
    usage: `Usage: wsn-crypto provision --db FILE [--id ID] [--key KEY | --bits N] [--formats LIST] [--rotate] [--json]

Adds a device to the backend's SQLite database with SEQN 0 and prints its
key. This is the only time the key is shown (list never shows keys): put it
in the device's firmware now. Creates the database and its tables
(flows/schema.sql) if they are missing, and upgrades an older database as
migrate does.

Options:
  --db FILE     the database file the backend's flows use (required)
  --id ID       device id: 1 to 64 of A-Z a-z 0-9 . _ ~ -
                (default: 6 random hex digits)
  --key KEY     the device key, 32, 48 or 64 hex digits
                (default: a fresh random key from the OS's secure generator)
  --bits N      size of a generated key: 128 (default), 192 or 256
  --formats LIST
                the wire formats the device may use, comma-separated
                (default: auth, the authenticated format only; the backend
                refuses the others with 403). The legacy formats are an
                explicit opt-in, e.g. passphrase,raw,auth for firmware that
                cannot be updated; they are unauthenticated, and a warning
                says what that costs. An empty list is refused.
  --rotate      give an existing device a new key (and new --formats, if
                given; else it keeps its formats); its SEQN stays, so
                messages made with the old key can never be replayed
  --json        print {"id", "key", "seqn", "formats"} as JSON
  -h, --help    show this help

Examples:
  wsn-crypto provision --db ~/.node-red/wsn.db --id 7F3A
  wsn-crypto provision --db ~/.node-red/wsn.db --id 12FA --formats passphrase,raw,auth`,
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
        const given = values.formats !== undefined ? formatList(values.formats, "formats") : undefined;
        // A rotation keeps the device's formats unless new ones are given.
        const formats = given !== undefined || values.rotate ? given : DEFAULT_FORMATS;
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
        const warning = given !== undefined && legacyWarning(id, given);
        if (warning) { note(warning); }
        const allowed = state.formats === null ? "" : `, formats ${state.formats}`;
        note(`${values.rotate ? "new key for" : "provisioned"} device ${id} in ${path.resolve(db)}, SEQN ${seqn}${allowed}; ` +
            "the key is shown only this once: store it on the device now.");
        return 0;
    }
};
