"use strict";

const { runSchemaCommand, OPTIONS } = require("./schema-command.js");

module.exports = {
    name: "migrate",
    summary: "bring an existing SQLite database up to the current schema",
    usage: `Usage: wsn-crypto migrate --db FILE [--json]

Upgrades a database made by an older version of this package to the
current schema, keeping every row: adds the column Devices.deviceFormats
(the devices already there keep every format, passphrase,raw,auth, as
before; new ones get auth) and Data.dataLost (0 for the rows there), then
creates what else is missing and drops the Challenges table of auth
version 1. Running it again changes nothing. Stop Node-RED first or run it
between requests: it takes the database's write lock.
Refuses a FILE that does not exist (init creates one).

Options:
  --db FILE     the database file (required; must exist)
  --json        print what was done as JSON
  -h, --help    show this help`,
    options: OPTIONS,
    positionals: false,

    run(argv) {
        return runSchemaCommand(this, argv, "write");
    }
};
