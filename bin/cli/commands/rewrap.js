"use strict";

const { parse, required } = require("../options.js");
const { databaseTarget } = require("../database.js");
const { kekLabel, kekFrom, rewrapAll } = require("../keys-at-rest.js");
const { usageError } = require("../errors.js");
const { out, note, json } = require("../output.js");

module.exports = {
    name: "rewrap",
    summary: "move every wrapped device key from one KEK to another (rotation), in one transaction",
    usage: `Usage: wsn-crypto rewrap (--db FILE | --mysql URL) --from FILE --to FILE [--json]

Rotates the key-encryption key: every wrapped device key that unwraps under
the KEK in --from is wrapped under the KEK in --to instead, in ONE
transaction. If any wrapped key does not unwrap under --from (another KEK,
or a row copied from another device), it refuses and changes nothing.
Keys already under --to are left as they are; keys stored in plain text
too (wrap-keys wraps them). Then give Node-RED the new KEK (WSN_KEK_FILE)
and restart it; keep the old KEK until then.
The two KEKs must have different labels (wsn-crypto new-kek --label L).
Both are key files: a KEK is never a command-line value.

Options:
  --db FILE     the SQLite database file (must exist)
  --mysql URL   or the MariaDB/MySQL database: mysql://USER:PASSWORD@HOST:PORT/DB
                (better: the WSN_MYSQL_URL environment variable)
  --from FILE   the key file of the KEK the keys are wrapped under now (required)
  --to FILE     the key file of the new KEK (required)
  --json        print {"rewrapped", "already", "plain", "from", "to"} as JSON
  -h, --help    show this help`,
    options: {
        db: { type: "string" },
        mysql: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        json: { type: "boolean" }
    },
    positionals: false,

    async run(argv) {
        const { values } = parse(this, argv);
        const target = databaseTarget(values);
        required(values, "from", "the key file of the KEK the keys are wrapped under now");
        required(values, "to", "the key file of the new KEK");
        const from = kekFrom(values, { option: "from", fallback: false, warn: note });
        const to = kekFrom(values, { option: "to", fallback: false, warn: note });
        if (kekLabel(from) === kekLabel(to)) {
            throw usageError(`--from and --to have the same label ${kekLabel(from)}: the label tells the KEKs apart, so give the new one another (wsn-crypto new-kek --label L)`);
        }
        const result = await target.open("write", (database) => rewrapAll(database, from, to, {
            onProgress(progress) {
                if (progress.started) {
                    note(`wsn-crypto rewrap: rewrapping ${progress.changing} device keys (of ${progress.total}) from KEK ${kekLabel(from)} to ${kekLabel(to)} in one transaction`);
                }
            }
        }));
        if (values.json) {
            json(Object.assign(result, { from: kekLabel(from), to: kekLabel(to) }));
        } else {
            out(`${target.where}: rewrapped ${result.rewrapped} device keys from KEK ${kekLabel(from)} to ${kekLabel(to)}` +
                (result.already ? `; ${result.already} already under ${kekLabel(to)}` : "") +
                (result.plain ? `; ${result.plain} stored in plain text left as they are (wrap-keys wraps them)` : ""));
        }
        return 0;
    }
};
