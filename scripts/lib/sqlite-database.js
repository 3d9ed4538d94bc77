"use strict";
// The SQLite database of the shipped flows, made and read through the
// product's own code (bin/cli/schema.js, as `wsn-crypto init` does), so that
// the demo, the tests and the benchmark run the schema a user gets.

const { withDatabase } = require("../../bin/cli/sqlite.js");
const { upgrade } = require("../../bin/cli/schema.js");

/**
 * Brings the database to the shipped schema (creating it, or upgrading an
 * older one) and adds the given devices ({id, key, seqn, formats}) unless
 * present; a given `formats` is also set on a device already there.
 * `schema` (SQL) replaces the shipped one (the benchmark's copy of the
 * article's tables).
 */
async function createDatabase(file, devices, schema) {
    await withDatabase(file, "create", async function (db) {
        if (schema) {
            await db.exec(schema);
        } else {
            await upgrade(db);
        }
        for (const d of devices || []) {
            await db.run("INSERT OR IGNORE INTO Devices (deviceID, deviceKey, deviceSQN) VALUES (?, ?, ?)", [d.id, d.key, d.seqn || 0]);
            if (d.formats !== undefined) { await db.run("UPDATE Devices SET deviceFormats = ? WHERE deviceID = ?", [d.formats, d.id]); }
        }
    });
}

/** Runs one query on the database file, read-only (tests and the demo's checks). */
function query(file, sql, params) {
    return withDatabase(file, "read", (db) => db.all(sql, params));
}

/** Runs one writing statement on the database file, as an operator would by hand (tests). */
function write(file, sql, params) {
    return withDatabase(file, "write", (db) => db.all(sql, params));
}

module.exports = { createDatabase, query, write };
