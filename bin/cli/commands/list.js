"use strict";

const { parse, required, legacyFormats, allowedFormats } = require("../options.js");
const { listDevices } = require("../devices.js");
const { withDatabase } = require("../sqlite.js");
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
    const header = ["DEVICE", "SEQN", "ROWS", "LAST DATA", "FORMATS"];
    const cells = rows.map((r) => [r.id, String(r.seqn), String(r.rows), r.lastData || "-", formatsCell(r.formats)]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c) => c.map((cell, i) => (NUMERIC.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ").trimEnd();
    return [line(header)].concat(cells.map(line)).join("\n");
}

module.exports = {
    name: "list",
    summary: "list the devices in the database: ids, SEQNs, data rows and formats, never keys",
    usage: `Usage: wsn-crypto list --db FILE [--json]

Lists the devices in the database with their stored SEQN, the number of
data rows, the date of the last one and the wire formats each may use:
  auth                                       the authenticated format only
  passphrase,raw,auth (legacy: passphrase,raw)
                                             also unauthenticated formats
  none (locked out)                          an empty list: the backend
                                             refuses the device everything
  -                                          a database made before
                                             per-device formats
Keys are never shown (they are not even read).

Options:
  --db FILE     the database file (required)
  --json        print the list as JSON, formats as stored (a comma-separated
                string, "" for none, null before per-device formats)
  -h, --help    show this help`,
    options: {
        db: { type: "string" },
        json: { type: "boolean" }
    },
    positionals: false,

    async run(argv) {
        const { values } = parse(this, argv);
        const db = required(values, "db", "the database file");
        const rows = await withDatabase(db, "read", listDevices);
        if (values.json) {
            json(rows);
        } else if (rows.length === 0) {
            note(`no devices in ${db} (add one with wsn-crypto provision --db ${db})`);
        } else {
            out(table(rows));
        }
        return 0;
    }
};
