"use strict";
// Devices of a running backend's SQLite database, for tests that must not
// depend on what an earlier test did to a device: `provision` adds a device
// with an id no other test uses, `setStored` puts a known device back into
// a known state. Writes go through the harness's `write` (a second
// connection: Node-RED keeps its own open; WAL lets both work).

const backend = require("../../../scripts/lib/backend.js");

let count = 0;

/**
 * A new device like `template` ({id, key, seqn, formats}) under an id no test
 * has used yet (the template's id and a counter), inserted into `dbFile`.
 * Returns the device with its id.
 */
async function provision(dbFile, template) {
    count += 1;
    const dev = Object.assign({}, template, { id: `${template.id}n${count}` });
    await backend.write(dbFile, "INSERT INTO Devices (deviceID, deviceKey, deviceSQN) VALUES (?, ?, ?)", [dev.id, dev.key, dev.seqn || 0]);
    // Absent: the schema's default, as the harness leaves it.
    if (dev.formats !== undefined) { await backend.write(dbFile, "UPDATE Devices SET deviceFormats = ? WHERE deviceID = ?", [dev.formats, dev.id]); }
    return dev;
}

/** Device `id` as if it had just been provisioned with SEQN `seqn`: that SEQN stored, none of its rows kept. */
async function setStored(dbFile, id, seqn) {
    await backend.write(dbFile, "DELETE FROM Data WHERE deviceID = ?", [id]);
    await backend.write(dbFile, "UPDATE Devices SET deviceSQN = ? WHERE deviceID = ?", [seqn, id]);
    const rows = await backend.query(dbFile, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", [id]);
    if (rows.length !== 1 || rows[0].deviceSQN !== seqn) { throw new Error(`device ${id} could not be set to SEQN ${seqn}`); }
}

module.exports = { provision, setStored };
