"use strict";

const { runSchemaCommand, OPTIONS } = require("./schema-command.js");

module.exports = {
    name: "init",
    summary: "create the SQLite database for the flows (or bring an existing one up to date)",
    usage: `Usage: wsn-crypto init --db FILE [--json]

Creates the SQLite database the shipped flows use (flows/schema.sql: the
tables Devices and Data, their index and trigger), or, when FILE exists,
brings it up to the current schema as migrate does. Running it again
changes nothing. Uses the sqlite3 package Node-RED's node-red-node-sqlite
brings (run it from the Node-RED user directory); no sqlite3 shell needed.
Then point the flows at it: WSN_DB=FILE.

Options:
  --db FILE     the database file (required; made if missing)
  --json        print what was done as JSON
  -h, --help    show this help`,
    options: OPTIONS,
    positionals: false,

    run(argv) {
        return runSchemaCommand(this, argv, "create");
    }
};
