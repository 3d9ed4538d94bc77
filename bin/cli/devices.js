"use strict";
// The Devices table, with prepared statements only. The schema is the one
// the flows ship (flows/schema.sql), through bin/cli/schema.js, which also
// upgrades an older database.

const { CliError, usageError } = require("./errors.js");
const { keyFromOptions, checkKeyFor } = require("./keys.js");
const { withDatabase } = require("./sqlite.js");
const { upgrade } = require("./schema.js");
const { isWrapped, kekFrom, keyStatus } = require("./keys-at-rest.js");
const { note } = require("./output.js");

/** Creates the tables, or brings an older database's up to date (idempotent). */
async function createSchema(db) {
    await upgrade(db);
}

function isConstraint(error) {
    return Boolean(error) && (error.code === "SQLITE_CONSTRAINT" || error.code === "ER_DUP_ENTRY");
}

/**
 * Whether the Devices table has the deviceFormats column. A database made
 * before per-device formats does not, and CREATE TABLE IF NOT EXISTS does
 * not add it.
 */
async function hasFormats(db) {
    // The MariaDB schema has had the column from its first version.
    if (db.kind === "mysql") { return true; }
    return (await db.all("PRAGMA table_info(Devices)")).some((column) => column.name === "deviceFormats");
}

async function requireFormats(db) {
    if (!(await hasFormats(db))) {
        throw new CliError("this database predates per-device formats (its Devices table has no deviceFormats column); " +
            "upgrade it with: wsn-crypto migrate --db FILE (its devices keep every format)");
    }
}

/** `{seqn, formats}` of a device; formats null where the column is missing. */
async function deviceState(db, id) {
    const formats = (await hasFormats(db)) ? "deviceFormats" : "NULL";
    return db.get(`SELECT deviceSQN AS seqn, ${formats} AS formats FROM Devices WHERE deviceID = ?`, [id]);
}

/**
 * Adds a device. Its SEQN starts at 0, or above the highest SEQN already
 * stored for that id (rows kept from a removed device of the same id), so
 * that its first message cannot collide with an old row. `formats`, when
 * given, is the comma-separated list of wire formats it may use; otherwise
 * the column's default applies ('auth' in the shipped schema; a database
 * upgraded from before per-device formats may have another).
 */
async function addDevice(db, id, key, formats) {
    if (formats !== undefined) { await requireFormats(db); }
    try {
        if (formats === undefined) {
            await db.run(
                "INSERT INTO Devices (deviceID, deviceKey, deviceSQN) " +
                "SELECT ?, ?, COALESCE(MAX(dataSEQN), 0) FROM Data WHERE deviceID = ?",
                [id, key, id]);
        } else {
            await db.run(
                "INSERT INTO Devices (deviceID, deviceKey, deviceSQN, deviceFormats) " +
                "SELECT ?, ?, COALESCE(MAX(dataSEQN), 0), ? FROM Data WHERE deviceID = ?",
                [id, key, formats, id]);
        }
    } catch (error) {
        if (isConstraint(error)) {
            throw new CliError(`device ${id} already exists; to give it a new key, add --rotate (the old key stops working)`);
        }
        throw error;
    }
    return deviceState(db, id);
}

/**
 * Replaces a device's key, and its formats when given; its SEQN stays, so
 * old messages stay refused.
 */
async function rotateKey(db, id, key, formats) {
    if (formats !== undefined) { await requireFormats(db); }
    const result = formats === undefined
        ? await db.run("UPDATE Devices SET deviceKey = ? WHERE deviceID = ?", [key, id])
        : await db.run("UPDATE Devices SET deviceKey = ?, deviceFormats = ? WHERE deviceID = ?", [key, formats, id]);
    if (result.changes === 0) {
        throw new CliError(`device ${id} does not exist, so there is no key to rotate (provision it without --rotate)`);
    }
    return deviceState(db, id);
}

async function exists(db, id) {
    return Boolean(await db.get("SELECT 1 AS found FROM Devices WHERE deviceID = ?", [id]));
}

/**
 * Ids, SEQNs, formats, data counts and what may be shown of each key
 * (`key`: keyStatus(), a fingerprint and the KEK's label; never the key,
 * which is read only to compute that and then dropped).
 */
async function listDevices(db, kek) {
    const formats = (await hasFormats(db)) ? "d.deviceFormats" : "NULL";
    // `rows` is a reserved word in MariaDB: quoted in the alias; the same text works in SQLite.
    const rows = await db.all(
        `SELECT d.deviceID AS id, d.deviceSQN AS seqn, COUNT(x.dataID) AS \`rows\`, MAX(x.dataDate) AS lastData, ${formats} AS formats, d.deviceKey AS stored ` +
        "FROM Devices d LEFT JOIN Data x ON x.deviceID = d.deviceID " +
        "GROUP BY d.deviceID, d.deviceSQN, d.deviceKey" + (formats === "NULL" ? "" : ", d.deviceFormats") + " ORDER BY d.deviceID");
    return rows.map(function (row) {
        const { stored, ...listed } = row;
        return Object.assign(listed, { seqn: Number(listed.seqn), rows: Number(listed.rows), key: keyStatus(stored, row.id, kek) });
    });
}

/** Removes a device, and its Data rows with `purge`. Returns the row counts. */
async function removeDevice(db, id, purge) {
    await db.exec("BEGIN IMMEDIATE");
    try {
        const removed = await db.run("DELETE FROM Devices WHERE deviceID = ?", [id]);
        if (removed.changes === 0) {
            throw new CliError(`device ${id} does not exist`);
        }
        const data = purge
            ? (await db.run("DELETE FROM Data WHERE deviceID = ?", [id])).changes
            : (await db.get("SELECT COUNT(*) AS n FROM Data WHERE deviceID = ?", [id])).n;
        await db.exec("COMMIT");
        return { purged: purge ? data : 0, kept: purge ? 0 : data };
    } catch (error) {
        await db.exec("ROLLBACK");
        throw error;
    }
}

async function deviceKey(db, id) {
    const row = await db.get("SELECT deviceKey AS stored FROM Devices WHERE deviceID = ?", [id]);
    if (!row) {
        throw new CliError(`device ${id} is not in the database`);
    }
    return row.stored;
}

/**
 * The key of device `id` for a device-side command: from --db (the backend's
 * database) or from --key / WSN_KEY, never both; checked for the wire format.
 */
async function keyForDevice(values, id, wireFormat) {
    if (values.key !== undefined && values.db !== undefined) {
        throw usageError("give either --key or --db, not both");
    }
    if (values.db === undefined) { return checkKeyFor(wireFormat, keyFromOptions(values)); }
    const stored = await withDatabase(values.db, "read", (database) => deviceKey(database, id));
    if (!isWrapped(stored)) { return checkKeyFor(wireFormat, stored); }
    // A wrapped row: the key stays wrapped here, and the core unwraps it
    // inside each seal and open (core.js), as the backend does.
    const kek = kekFrom(values, { warn: note });
    if (kek === undefined) {
        throw new CliError(`device ${id}'s key is wrapped (kw:${keyStatus(stored, id).label}): give its key-encryption key with --kek FILE or WSN_KEK_FILE`);
    }
    const status = keyStatus(stored, id, kek);
    if (status.problem) {
        throw new CliError(`device ${id}'s key does not unwrap under the KEK given (kw:${status.label}, ${status.problem})`);
    }
    return { stored, kek, deviceId: id };
}

module.exports = { keyForDevice, createSchema, addDevice, rotateKey, exists, listDevices, removeDevice, deviceKey };
