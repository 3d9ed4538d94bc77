"use strict";

const crypto = require("crypto");
const path = require("path");
const { integer, parse, formatList, legacyFormats } = require("../options.js");
const { KEY_BITS, generateKey, generateId, checkDeviceKey, checkId } = require("../keys.js");
const { createSchema, addDevice, rotateKey, exists } = require("../devices.js");
const { databaseTarget } = require("../database.js");
const { kekLabel, kekFrom, storedKey, keyStatus, mysqlHint } = require("../keys-at-rest.js");
const { CliError, usageError } = require("../errors.js");
const { out, note, json } = require("../output.js");

const GENERATED_ID_ATTEMPTS = 10;
// What a new device may use unless --formats says otherwise. Written out, not
// left to the column's default: a database upgraded from before per-device
// formats has 'passphrase,raw,auth' there.
const DEFAULT_FORMATS = "auth";

/** The one-line warning for a device given legacy formats: what they cost. */
function legacyWarning(id, formats) {
    const legacy = legacyFormats(formats);
    if (legacy.length === 0) { return undefined; }
    const which = legacy.length > 1 ? `the legacy formats ${legacy.join(" and ")}, which are` : `the legacy format ${legacy[0]}, which is`;
    return `wsn-crypto provision: warning: device ${id} may use ${which} unauthenticated ` +
        "(malleable AES-CBC; a recorded GET reply can be replayed to a rebooted device)" +
        (legacy.includes("raw") ? "; raw cannot reset its SEQN" : "") +
        "; use --formats auth once its firmware speaks the authenticated format";
}

/** The backend's broker user in flows/mosquitto/acl and the README. */
const BACKEND_MQTT_USER = "wsn-backend";

/**
 * A device's broker login for the MQTT flows: its user name is its id (the
 * example ACL's %u patterns give it wsn/<id>/up and wsn/<id>/down/#), its
 * password random and not its key. The lines say how to add it; the
 * password goes in at mosquitto_passwd's prompt, not on a command line.
 */
function mqttLogin(id) {
    const password = crypto.randomBytes(18).toString("base64url");
    const acl = [`user ${id}`, `topic write wsn/${id}/up`, `topic read wsn/${id}/down/#`];
    const howTo = [
        `wsn-crypto provision: to let device ${id} log in to the broker (flows/mosquitto/, README "MQTT"), as root:`,
        `  mosquitto_passwd /etc/mosquitto/wsn.passwd ${id}      # type its MQTT password when asked`,
        `  the example ACL's patterns (flows/mosquitto/acl) give it wsn/${id}/up and wsn/${id}/down/#; an ACL without them needs:`,
        ...acl.map((line) => `    ${line}`),
        "  then reload the broker (systemctl reload mosquitto, or kill -HUP its process)"
    ].join("\n");
    return { password, acl, howTo };
}

module.exports = {
    name: "provision",
    summary: "add a device to the database and print its new key, once (stored wrapped under the KEK)",
    usage: `Usage: wsn-crypto provision (--db FILE | --mysql URL) [--kek FILE] [--id ID] [--key KEY | --bits N] [--formats LIST] [--rotate] [--json]

Adds a device to the backend's database with SEQN 0 and prints its key.
This is the only time the key is shown (list never shows keys): put it in
the device's firmware now. With a key-encryption key (KEK: --kek FILE, or
WSN_KEK / WSN_KEK_FILE) the database stores the key wrapped under it
(kw1:<label>:...), which only that KEK unwraps, and only for this device's
row; without one it stores the key in plain text, as before, and says so
(wsn-crypto new-kek makes a KEK; wrap-keys wraps the keys stored plain).
For SQLite, creates the database and its tables (flows/schema.sql) if they
are missing, and upgrades an older database as migrate does; a MariaDB
database must have its schema already (flows/schema-mysql.sql).

Options:
  --db FILE     the SQLite database file the backend's flows use
  --mysql URL   or the MariaDB/MySQL database of the MySQL flows:
                mysql://USER:PASSWORD@HOST:PORT/DATABASE; better, set the
                WSN_MYSQL_URL environment variable (keeps the password out
                of the shell history and ps)
  --kek FILE    the key-encryption key file (one line <label>:<64 hex>,
                mode 0600); default: WSN_KEK, or the file WSN_KEK_FILE names
  --id ID       device id: 1 to 64 of A-Z a-z 0-9 . _ ~ -
                (default: 6 random hex digits)
  --key KEY     the device key, 32, 48 or 64 hex digits
                (default: a fresh random key from the OS's secure generator)
  --bits N      size of a generated key: 128 (default), 192 or 256
  --formats LIST
                the wire formats the device may use, comma-separated
                (default: auth, the authenticated format only; the backend
                refuses the others with 403). The legacy formats are an
                explicit opt-in, e.g. passphrase,raw,auth for firmware that
                cannot be updated; they are unauthenticated, and a warning
                says what that costs. An empty list is refused.
  --rotate      give an existing device a new key (and new --formats, if
                given; else it keeps its formats); its SEQN stays, so
                messages made with the old key can never be replayed
  --mqtt        also make the device's MQTT password (random, not its key:
                the broker sees passwords) and print the lines that give
                the device its broker login and topics (flows/mosquitto/)
  --json        print {"id", "key", "seqn", "formats", "wrapped", "kek",
                "fingerprint"} as JSON (kek: the KEK's label, or null;
                with --mqtt also "mqttPassword" and "mqttAcl")
  -h, --help    show this help

Examples:
  WSN_KEK_FILE=~/.wsn-crypto.kek wsn-crypto provision --db ~/.node-red/wsn.db --id 7F3A
  wsn-crypto provision --db ~/.node-red/wsn.db --id 12FA --formats passphrase,raw,auth
  wsn-crypto provision --db ~/.node-red/wsn.db --id 7F3B --mqtt`,
    options: {
        db: { type: "string" },
        mysql: { type: "string" },
        kek: { type: "string" },
        id: { type: "string" },
        key: { type: "string" },
        bits: { type: "string" },
        formats: { type: "string" },
        rotate: { type: "boolean" },
        mqtt: { type: "boolean" },
        json: { type: "boolean" }
    },
    positionals: false,

    async run(argv) {
        const { values } = parse(this, argv);
        const target = databaseTarget(values);
        if (values.key !== undefined && values.bits !== undefined) {
            throw usageError("give either --key or --bits, not both");
        }
        const bits = integer(values, "bits", { min: 128, max: 256 }, 128);
        if (!KEY_BITS.includes(bits)) { throw usageError("--bits must be 128, 192 or 256"); }
        if (values.rotate && values.id === undefined) { throw usageError("--rotate needs the --id of the device"); }
        const key = values.key !== undefined ? checkDeviceKey(values.key) : generateKey(bits);
        const given = values.formats !== undefined ? formatList(values.formats, "formats") : undefined;
        // A rotation keeps the device's formats unless new ones are given.
        const formats = given !== undefined || values.rotate ? given : DEFAULT_FORMATS;
        let id = values.id !== undefined ? checkId(values.id) : undefined;
        const kek = kekFrom(values, { warn: note });
        // The example ACL's backend login: its instructions would replace the backend's broker password.
        if (values.mqtt && id === BACKEND_MQTT_USER) {
            throw usageError(`--mqtt: ${BACKEND_MQTT_USER} is the backend's broker user (flows/mosquitto/acl); give the device another id`);
        }

        const state = await target.open("create", async function (database) {
            // The MariaDB schema has procedures (DELIMITER): flows/schema-mysql.sql, run by its client.
            if (target.kind === "sqlite") { await createSchema(database); }
            // A database whose keys are wrapped gets no plain key by accident (a
            // shell or sudo that dropped WSN_KEK_FILE): it is refused instead.
            if (kek === undefined && await database.get("SELECT 1 AS wrapped FROM Devices WHERE deviceKey LIKE 'kw1:%' LIMIT 1")) {
                throw new CliError("this database stores its device keys wrapped, and no key-encryption key is configured: " +
                    "give the one they are wrapped under with --kek FILE or WSN_KEK_FILE (a key stored plain beside them would be in every backup)");
            }
            if (values.rotate) { return rotateKey(database, id, storedKey(key, id, kek), formats); }
            if (id === undefined) {
                for (let attempt = 0; attempt < GENERATED_ID_ATTEMPTS && id === undefined; attempt++) {
                    const candidate = generateId();
                    if (!(await exists(database, candidate))) { id = candidate; }
                }
                if (id === undefined) { throw new CliError("no free device id found; give one with --id"); }
            }
            // The wrapping binds the key to its row's id: wrapped once the id is known.
            return addDevice(database, id, storedKey(key, id, kek), formats);
        }).catch((error) => { throw mysqlHint(error); });
        const { seqn } = state;
        const { fingerprint } = keyStatus(key, id);
        const mqtt = values.mqtt ? mqttLogin(id) : undefined;

        if (values.json) {
            json(Object.assign({ id, key, seqn, formats: state.formats, wrapped: kek !== undefined, kek: kek === undefined ? null : kekLabel(kek), fingerprint },
                mqtt ? { mqttPassword: mqtt.password, mqttAcl: mqtt.acl } : {}));
        } else {
            out(`device ${id}`);
            out(`key    ${key}`);
            if (mqtt) { out(`mqtt   user ${id}, password ${mqtt.password}`); }
        }
        if (mqtt) { note(mqtt.howTo); }
        const warning = given !== undefined && legacyWarning(id, given);
        if (warning) { note(warning); }
        if (kek === undefined) {
            // A fact, not a "warning:" line (those say what a device's formats cost): plain keys stay supported.
            note(`wsn-crypto provision: the key of device ${id} is stored in plain text: no key-encryption key is configured ` +
                "(--kek FILE or WSN_KEK_FILE; wsn-crypto new-kek makes one, wrap-keys wraps the keys already stored)");
        }
        const allowed = state.formats === null ? "" : `, formats ${state.formats}`;
        const where = target.kind === "sqlite" ? path.resolve(target.where) : target.where;
        const stored = kek === undefined ? "" : `, key wrapped under KEK ${kekLabel(kek)} (fingerprint ${fingerprint})`;
        note(`${values.rotate ? "new key for" : "provisioned"} device ${id} in ${where}, SEQN ${seqn}${allowed}${stored}; ` +
            "the key is shown only this once: store it on the device now.");
        return 0;
    }
};
