"use strict";
// What `init` and `migrate` share: bring a database to the shipped schema
// (bin/cli/schema.js) and say in one line what that did.

const fs = require("fs");
const { parse, required } = require("../options.js");
const { upgrade } = require("../schema.js");
const { withDatabase } = require("../sqlite.js");
const { out, json } = require("../output.js");

/** The one-line report of upgrade()'s findings for the database `file`. */
function describe(file, found, existed) {
    if (!existed) { return `${file}: created with the wsn-crypto schema (tables Devices, Data)`; }
    const changes = [];
    if (found.missingColumns.length > 0) { changes.push(`added ${found.missingColumns.map((c) => c.note).join(", ")}`); }
    if (found.missingTables.length > 0) { changes.push(`created the tables ${found.missingTables.join(", ")}`); }
    return changes.length === 0
        ? `${file}: already at the wsn-crypto schema, nothing to do`
        : `${file}: upgraded to the wsn-crypto schema: ${changes.join("; ")}`;
}

/**
 * Runs the command: mode "create" (init: a missing file is made) or
 * "write" (migrate: a missing file is refused, a typo in --db must not make
 * an empty database).
 */
async function runSchemaCommand(command, argv, mode) {
    const { values } = parse(command, argv);
    const file = required(values, "db", "the database file");
    const existed = fs.existsSync(file);
    const found = await withDatabase(file, mode, upgrade);
    const changed = !existed || found.missingColumns.length > 0 || found.missingTables.length > 0;
    if (values.json) {
        json({
            db: file,
            created: !existed,
            changed,
            addedColumns: found.missingColumns.map((c) => `${c.table}.${c.column}`),
            createdTables: found.missingTables
        });
    } else {
        out(describe(file, found, existed));
    }
    return 0;
}

const OPTIONS = {
    db: { type: "string" },
    json: { type: "boolean" }
};

module.exports = { runSchemaCommand, OPTIONS };
