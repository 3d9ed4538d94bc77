"use strict";

const { parse, required } = require("../options.js");
const { checkId } = require("../keys.js");
const { removeDevice } = require("../devices.js");
const { withDatabase } = require("../sqlite.js");
const { note } = require("../output.js");

module.exports = {
    name: "remove",
    summary: "remove a device from the database",
    usage: `Usage: wsn-crypto remove --db FILE --id ID [--purge]

Removes a device: the backend answers 404 to it from then on. Its data rows
stay unless --purge is given. Provisioning the same id again later starts
its SEQN above the rows kept, so they never collide.

Options:
  --db FILE     the database file (required)
  --id ID       the device to remove (required)
  --purge       delete the device's data rows too
  -h, --help    show this help`,
    options: {
        db: { type: "string" },
        id: { type: "string" },
        purge: { type: "boolean" }
    },
    positionals: false,

    async run(argv) {
        const { values } = parse(this, argv);
        const db = required(values, "db", "the database file");
        const id = checkId(required(values, "id", "the device to remove"));
        const rows = await withDatabase(db, "write", (database) => removeDevice(database, id, Boolean(values.purge)));
        note(values.purge
            ? `removed device ${id} and its ${rows.purged} data rows`
            : `removed device ${id}; its ${rows.kept} data rows are kept (--purge deletes them)`);
        return 0;
    }
};
