"use strict";
// The product's SQLite schema: flows/schema.sql, and the steps that bring a
// database made by an older version up to it. `wsn-crypto init` and
// `wsn-crypto migrate` run it, and so does every tool that sets up a
// database (npm start, the tests, the benchmark), so that one code path
// creates and upgrades every database.

const fs = require("fs");
const path = require("path");
const { PACKAGE_ROOT } = require("./core.js");

const SCHEMA_FILE = path.join(PACKAGE_ROOT, "flows", "schema.sql");

// Columns added since the first schema. CREATE TABLE IF NOT EXISTS does not
// add a column to a table that exists, and the schema's indexes and trigger
// need them, so they are added before the schema runs. Each statement is a
// constant: nothing of a database or a user reaches this SQL.
const UPGRADES = [
    {
        table: "Devices",
        column: "deviceFormats",
        add: "ALTER TABLE Devices ADD COLUMN deviceFormats TEXT NOT NULL DEFAULT 'auth'",
        // Devices from before per-device formats spoke every format and keep
        // doing so; devices added later get the schema's default.
        fill: "UPDATE Devices SET deviceFormats = 'passphrase,raw,auth'",
        note: "Devices.deviceFormats (its devices keep every format: passphrase,raw,auth)"
    },
    {
        table: "Data",
        column: "dataLost",
        add: "ALTER TABLE Data ADD COLUMN dataLost INTEGER NOT NULL DEFAULT 0",
        note: "Data.dataLost (0 for the rows there)"
    }
];

// What the shipped schema makes; a database holding all of them with all
// their columns is up to date.
const TABLES = ["Devices", "Data"];

async function tableNames(db) {
    return (await db.all("SELECT name FROM sqlite_master WHERE type = 'table'")).map((row) => row.name);
}

async function columnNames(db, table) {
    return (await db.all("SELECT name FROM pragma_table_info(?)", [table])).map((row) => row.name);
}

/**
 * What `upgrade` would do to the database, without doing it:
 * { missingTables: [...], missingColumns: [upgrade, ...] }.
 */
async function inspect(db) {
    const tables = await tableNames(db);
    const missingColumns = [];
    for (const upgrade of UPGRADES) {
        if (tables.includes(upgrade.table) && !(await columnNames(db, upgrade.table)).includes(upgrade.column)) {
            missingColumns.push(upgrade);
        }
    }
    return { missingTables: TABLES.filter((t) => !tables.includes(t)), missingColumns };
}

/**
 * Brings the database (opened with bin/cli/sqlite.js, or anything with the
 * same promise-returning all/run/exec) to the shipped schema: adds the
 * columns an older database lacks, in one transaction, then runs the
 * idempotent schema, which creates what is missing. Running it again
 * changes nothing. Returns what it found missing (see inspect()).
 */
async function upgrade(db) {
    const found = await inspect(db);
    if (found.missingColumns.length > 0) {
        await db.exec("BEGIN IMMEDIATE");
        try {
            for (const step of found.missingColumns) {
                await db.run(step.add);
                if (step.fill) { await db.run(step.fill); }
            }
            await db.exec("COMMIT");
        } catch (error) {
            await db.exec("ROLLBACK");
            throw error;
        }
    }
    await db.exec(fs.readFileSync(SCHEMA_FILE, "utf8"));
    return found;
}

module.exports = { SCHEMA_FILE, UPGRADES, inspect, upgrade };
