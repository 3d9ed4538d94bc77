"use strict";

const { parse } = require("../options.js");
const { databaseTarget } = require("../database.js");
const { kekLabel, kekFrom, wrapPlainKeys } = require("../keys-at-rest.js");
const { CliError } = require("../errors.js");
const { out, note, json } = require("../output.js");

module.exports = {
    name: "wrap-keys",
    summary: "wrap every device key stored in plain text under the KEK (the migration), in one transaction",
    usage: `Usage: wsn-crypto wrap-keys (--db FILE | --mysql URL) [--kek FILE] [--json]

Wraps every device key the database stores in plain text under the
key-encryption key (KEK: --kek FILE, or WSN_KEK / WSN_KEK_FILE), in ONE
transaction: if it is interrupted (even killed), every row stays as it was
and running it again completes it. Configure the same KEK for Node-RED
(WSN_KEK_FILE, or a wsn kek config node) before or right after: a wrapped
key does not open without it.
Refuses to run twice: when every key is wrapped already there is nothing
to do, and it says so (exit 1). Refuses, changing nothing, when a key is
wrapped under another KEK (rewrap it first: one KEK per database).
Takes the database's write lock for the run (a few seconds for 10,000
devices): requests wait for it.

Options:
  --db FILE     the SQLite database file (must exist)
  --mysql URL   or the MariaDB/MySQL database: mysql://USER:PASSWORD@HOST:PORT/DB
                (better: the WSN_MYSQL_URL environment variable)
  --kek FILE    the key-encryption key file (default: WSN_KEK, or the file
                WSN_KEK_FILE names); wsn-crypto new-kek makes one
  --json        print {"wrapped", "kek"} as JSON
  -h, --help    show this help`,
    options: {
        db: { type: "string" },
        mysql: { type: "string" },
        kek: { type: "string" },
        json: { type: "boolean" }
    },
    positionals: false,

    async run(argv) {
        const { values } = parse(this, argv);
        const target = databaseTarget(values);
        const kek = kekFrom(values, { warn: note });
        if (kek === undefined) {
            throw new CliError("no key-encryption key: give --kek FILE or set WSN_KEK_FILE (wsn-crypto new-kek makes one)");
        }
        const label = kekLabel(kek);
        const result = await target.open("write", (database) => wrapPlainKeys(database, kek, {
            onProgress(progress) {
                // Said before the first write, so that a caller knows the transaction is under way.
                if (progress.started) {
                    note(`wsn-crypto wrap-keys: wrapping ${progress.changing} plain device keys (of ${progress.total}) under KEK ${label} in one transaction`);
                }
            }
        }));
        if (!result.scrubbed) {
            note(`wsn-crypto wrap-keys: warning: the keys are wrapped, but a running Node-RED kept SQLite from rebuilding ${target.where} (VACUUM) and emptying its -wal file, so old plain keys may remain in their free space; stop Node-RED and run wrap-keys again (it changes no row then, and rebuilds the file)`);
        }
        if (values.json) {
            json({ wrapped: result.wrapped, kek: label });
        } else {
            out(`${target.where}: wrapped ${result.wrapped} device keys under KEK ${label}`);
        }
        return 0;
    }
};
