"use strict";

const fs = require("fs");
const { parse } = require("../options.js");
const { newKek } = require("../keys-at-rest.js");
const { CliError } = require("../errors.js");
const { out, note } = require("../output.js");

/** "k" and today's date (UTC): a label that tells KEKs apart by when they were made. */
function defaultLabel() {
    return "k" + new Date().toISOString().slice(0, 10).replace(/-/g, "");
}

module.exports = {
    name: "new-kek",
    summary: "make a fresh random key-encryption key (KEK), for provision, wrap-keys and the nodes",
    usage: `Usage: wsn-crypto new-kek [--label L] [--out FILE]

Makes a key-encryption key (KEK) from the OS's secure generator and prints
it as one line <label>:<64 hex digits>. The label is stored beside every
key wrapped under it (kw1:<label>:...), so that a rotation (rewrap) can
tell the KEKs apart: give each KEK a new label.
Keep it in a file only you can read (mode 0600), outside the database,
flows.json and the Node-RED user directory (whose backups hold the
database), and point the CLI and Node-RED at it: WSN_KEK_FILE=FILE
(or, for the CLI, --kek FILE). Lose it and the wrapped keys are lost.

Options:
  --label L     1 to 32 of A-Z a-z 0-9 . _ -  (default: k and today's date, e.g. ${defaultLabel()})
  --out FILE    write it to FILE, created with mode 0600 (refuses an
                existing file), instead of printing it
  -h, --help    show this help

Example:
  wsn-crypto new-kek --out ~/.wsn-crypto.kek && export WSN_KEK_FILE=~/.wsn-crypto.kek`,
    options: {
        label: { type: "string" },
        out: { type: "string" }
    },
    positionals: false,

    run(argv) {
        const { values } = parse(this, argv);
        const kek = newKek(values.label !== undefined ? values.label : defaultLabel());
        const label = kek.slice(0, kek.indexOf(":"));
        if (values.out !== undefined) {
            try {
                // "wx": never overwrite a KEK file, which may be the only copy of a KEK in use.
                fs.writeFileSync(values.out, kek + "\n", { mode: 0o600, flag: "wx" });
            } catch (error) {
                throw new CliError(error.code === "EEXIST"
                    ? `${values.out} exists already: new-kek never overwrites a key file (it may hold the KEK in use)`
                    : `cannot write ${values.out} (${error.code || error.message})`);
            }
            note(`wrote the key-encryption key ${label} to ${values.out} (mode 0600); use it with WSN_KEK_FILE=${values.out} or --kek ${values.out}; never put it in the database or in flows`);
            return 0;
        }
        out(kek);
        note(`wsn-crypto new-kek: put this key-encryption key (${label}) in a file of mode 0600 (or use --out FILE) and point WSN_KEK_FILE at it; never in the database or in flows`);
        return 0;
    }
};
