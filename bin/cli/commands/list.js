"use strict";

const { parse, legacyFormats, allowedFormats } = require("../options.js");
const { listDevices } = require("../devices.js");
const { databaseTarget } = require("../database.js");
const { kekFrom, keyCell } = require("../keys-at-rest.js");
const { out, note, json } = require("../output.js");

const NUMERIC = new Set([1, 2]);

/**
 * The FORMATS cell: the list as stored, with the legacy formats in it named
 * (they are unauthenticated); an empty list refuses the device everything.
 */
function formatsCell(formats) {
    if (formats === null || formats === undefined) { return "-"; }
    // Locked out is what the backend makes of the list: no format it allows.
    if (allowedFormats(formats).length === 0) { return "none (locked out)"; }
    const legacy = legacyFormats(formats);
    return legacy.length ? `${formats} (legacy: ${legacy.join(",")})` : formats;
}

function table(rows) {
    const header = ["DEVICE", "SEQN", "ROWS", "LAST DATA", "FORMATS", "KEY"];
    const cells = rows.map((r) => [r.id, String(r.seqn), String(r.rows), r.lastData || "-", formatsCell(r.formats), keyCell(r.key)]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c) => c.map((cell, i) => (NUMERIC.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ").trimEnd();
    return [line(header)].concat(cells.map(line)).join("\n");
}

module.exports = {
    name: "list",
    summary: "list the devices: ids, SEQNs, data rows, formats and key fingerprints, never keys",
    usage: `Usage: wsn-crypto list (--db FILE | --mysql URL) [--kek FILE] [--json]

Lists the devices in the database with their stored SEQN, the number of
data rows, the date of the last one, the wire formats each may use:
  auth                                       the authenticated format only
  passphrase,raw,auth (legacy: passphrase,raw)
                                             also unauthenticated formats
  none (locked out)                          an empty list: the backend
                                             refuses the device everything
  -                                          a database made before
                                             per-device formats
and how its key is stored, with the key's fingerprint (16 hex digits of a
hash: it tells keys apart, it does not give them away):
  kw:k20250101 3f2a9c1e0b7d4a66              wrapped under the KEK labelled
                                             k20250101, which is configured
  kw:k20250101                               wrapped, KEK not configured
  kw:k20250101 (wrong_kek)                   the KEK configured does not
                                             unwrap it (another KEK)
  plain 9c1e3f2a4a660b7d                     stored in plain text: wrap-keys
                                             wraps it
Keys are never shown.

Options:
  --db FILE     the SQLite database file
  --mysql URL   or the MariaDB/MySQL database: mysql://USER:PASSWORD@HOST:PORT/DB
                (better: the WSN_MYSQL_URL environment variable)
  --kek FILE    the key-encryption key file, for the fingerprints of wrapped
                keys (default: WSN_KEK, or the file WSN_KEK_FILE names)
  --json        print the list as JSON, formats as stored (a comma-separated
                string, "" for none, null before per-device formats), key as
                {"wrapped", "label", "fingerprint", "problem"} (as known)
  -h, --help    show this help`,
    options: {
        db: { type: "string" },
        mysql: { type: "string" },
        kek: { type: "string" },
        json: { type: "boolean" }
    },
    positionals: false,

    async run(argv) {
        const { values } = parse(this, argv);
        const target = databaseTarget(values);
        const kek = kekFrom(values, { warn: note });
        const rows = await target.open("read", (database) => listDevices(database, kek));
        if (values.json) {
            json(rows);
        } else if (rows.length === 0) {
            note(`no devices in ${target.where} (add one with wsn-crypto provision)`);
        } else {
            out(table(rows));
        }
        const plain = rows.filter((r) => !r.key.wrapped).length;
        if (plain > 0 && !values.json) {
            note(`${plain} of ${rows.length} device keys are stored in plain text: wsn-crypto wrap-keys --kek FILE wraps them`);
        }
        return 0;
    }
};
