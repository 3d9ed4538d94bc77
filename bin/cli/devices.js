"use strict";
// The Devices table, with prepared statements only. The schema is the one
// the flows ship (flows/schema.sql), run as is: it is idempotent.

const fs = require("fs");
const path = require("path");
const { PACKAGE_ROOT } = require("./core.js");
const { CliError } = require("./errors.js");

const SCHEMA_FILE = path.join(PACKAGE_ROOT, "flows", "schema.sql");

async function createSchema(db) {
    await db.exec(fs.readFileSync(SCHEMA_FILE, "utf8"));
}

function isConstraint(error) {
    return Boolean(error) && error.code === "SQLITE_CONSTRAINT";
}

/**
 * Adds a device. Its SEQN starts at 0, or above the highest SEQN already
 * stored for that id (rows kept from a removed device of the same id), so
 * that its first message cannot collide with an old row.
 */
async function addDevice(db, id, key) {
    try {
        await db.run(
            "INSERT INTO Devices (deviceID, deviceKey, deviceSQN) " +
            "SELECT ?, ?, COALESCE(MAX(dataSEQN), 0) FROM Data WHERE deviceID = ?",
            [id, key, id]);
    } catch (error) {
        if (isConstraint(error)) {
            throw new CliError(`device ${id} already exists; to give it a new key, add --rotate (the old key stops working)`);
        }
        throw error;
    }
    return (await db.get("SELECT deviceSQN AS seqn FROM Devices WHERE deviceID = ?", [id])).seqn;
}

/** Replaces a device's key; its SEQN stays, so old messages stay refused. */
async function rotateKey(db, id, key) {
    const result = await db.run("UPDATE Devices SET deviceKey = ? WHERE deviceID = ?", [key, id]);
    if (result.changes === 0) {
        throw new CliError(`device ${id} does not exist, so there is no key to rotate (provision it without --rotate)`);
    }
    return (await db.get("SELECT deviceSQN AS seqn FROM Devices WHERE deviceID = ?", [id])).seqn;
}

async function exists(db, id) {
    return Boolean(await db.get("SELECT 1 AS found FROM Devices WHERE deviceID = ?", [id]));
}

/** Ids, SEQNs and data counts: the key column is never read. */
function listDevices(db) {
    return db.all(
        "SELECT d.deviceID AS id, d.deviceSQN AS seqn, COUNT(x.dataID) AS rows, MAX(x.dataDate) AS lastData " +
        "FROM Devices d LEFT JOIN Data x ON x.deviceID = d.deviceID " +
        "GROUP BY d.deviceID ORDER BY d.deviceID");
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
    const row = await db.get("SELECT deviceKey AS key FROM Devices WHERE deviceID = ?", [id]);
    if (!row) {
        throw new CliError(`device ${id} is not in the database`);
    }
    return row.key;
}

module.exports = { SCHEMA_FILE, createSchema, addDevice, rotateKey, exists, listDevices, removeDevice, deviceKey };
