#!/usr/bin/env node
"use strict";
// Writes flows/wsn-sqlite.json and flows/wsn-mysql.json (and their copies
// under examples/ for the editor's Import > Examples) from the definitions
// below, so that the three endpoints stay the same on both databases: only
// the database nodes, their SQL and the functions that hand them parameters
// differ. Run: node scripts/make-flows.js [--check]

const fs = require("fs");
const path = require("path");

// --- SQLite (node-red-node-sqlite): SQL in the node, parameters in msg.params ---

const SQL = {
    device: "SELECT deviceKey, deviceSQN, deviceFormats FROM Devices WHERE deviceID = $id",
    // Forward only unless the decrypt node's policy is "any" (which the core
    // grants the passphrase format only; an authenticated or raw request never
    // lowers a SEQN).
    reset: "UPDATE Devices SET deviceSQN = $seqn\nWHERE deviceID = $id AND (deviceSQN < $seqn OR $any = 1)\nRETURNING deviceSQN",
    // The SEQN check and the write are one statement; the schema's trigger
    // advances Devices.deviceSQN inside it. N copies of one request: one row.
    store: "INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataLost, dataJSON)\nSELECT deviceID, $date, $value, $seqn, $seqn - deviceSQN - 1, $json FROM Devices\nWHERE deviceID = $id AND deviceSQN < $seqn\nRETURNING dataSEQN, dataLost"
};

const SQLITE_FN = {
    deviceParams: "msg.params = { $id: msg.req.params.id };\nreturn msg;",
    seqnReply: "// No row: the wsn encrypt node finds no key and answers 404.\nconst row = Array.isArray(msg.payload) ? msg.payload[0] : undefined;\nmsg.reply = row ? { SEQN: row.deviceSQN } : undefined;\nreturn msg;",
    resetParams: "msg.params = {\n    $id: msg.req.params.id,\n    $seqn: msg.wsn.seqn,\n    $any: msg.wsn.policy === \"any\" ? 1 : 0\n};\nreturn msg;",
    // The decrypt node has checked that data is an object.
    storeParams: "const data = msg.payload.data;\nmsg.params = {\n    $id: msg.req.params.id,\n    $date: new Date().toISOString(),\n    $value: typeof data.value === \"number\" ? data.value : null,\n    $seqn: msg.wsn.seqn,\n    $json: JSON.stringify(data)\n};\nreturn msg;",
    // The gap counted by the INSERT itself: under concurrency the one the
    // decrypt node saw may already be out of date.
    dataAck: "// The device decrypts this and checks that its SEQN came back.\nmsg.wsn.lost = msg.payload[0].dataLost;\nmsg.reply = { SEQN: msg.wsn.seqn, ack: true, lost: msg.wsn.lost };\nreturn msg;",
    resetAck: "// The device decrypts this and checks that its new SEQN came back.\nmsg.wsn.lost = 0;\nmsg.reply = { SEQN: msg.wsn.seqn, ack: true };\nreturn msg;",
    refusalParams: "// The conditional write refused: read the SEQN that won.\nmsg.params = { $id: msg.req.params.id };\nreturn msg;",
    // wsn encrypt tells replay from stale by the core's sequence rule on the
    // SEQN stored now, and seals the refusal for an authenticated request.
    refusal: "const row = Array.isArray(msg.payload) ? msg.payload[0] : undefined;\nmsg.wsn.refused = true;\nmsg.reply = row ? { SEQN: row.deviceSQN } : { error: \"unknown_device\" };\nreturn msg;",
    serverError: "// Only a generic answer: the message may carry the device row.\nmsg.statusCode = 500;\nmsg.payload = { error: \"server_error\" };\ndelete msg.wsn;\nreturn msg;"
};

// --- MySQL/MariaDB (node-red-node-mysql): SQL in msg.topic, named
// parameters (:name) in msg.payload, escaped by the driver ---

const MYSQL_SQL = {
    device: "SELECT deviceKey, deviceSQN, deviceFormats FROM Devices WHERE deviceID = :id",
    // MariaDB refuses the SQLite flows' trigger trick (error 1442): the
    // procedures in flows/schema-mysql.sql check the SEQN, write and answer
    // one row {outcome, seqn, lost} in one transaction. The node answers
    // [[row], {affectedRows}].
    reset: "CALL wsn_reset(:id, :seqn, :any)",
    store: "CALL wsn_store(:id, :seqn, :value, :json)"
};

/** A function that sets the query and its parameters for the mysql node. */
function mysqlQuery(sql, payload) {
    return `msg.topic = ${JSON.stringify(sql)};\nmsg.payload = ${payload};\nreturn msg;`;
}

// The answers are the same as SQLite's; the queries and the data outcome differ.
const MYSQL_FN = Object.assign({}, SQLITE_FN, {
    deviceParams: mysqlQuery(MYSQL_SQL.device, "{ id: msg.req.params.id }"),
    resetParams: mysqlQuery(MYSQL_SQL.reset, "{\n    id: msg.req.params.id,\n    seqn: msg.wsn.seqn,\n    any: msg.wsn.policy === \"any\" ? 1 : 0\n}"),
    storeParams: "const data = msg.payload.data;\n" +
        `msg.topic = ${JSON.stringify(MYSQL_SQL.store)};\n` +
        "msg.payload = {\n    id: msg.req.params.id,\n    seqn: msg.wsn.seqn,\n    value: typeof data.value === \"number\" ? data.value : null,\n    json: JSON.stringify(data)\n};\nreturn msg;",
    // The gap counted by the procedure under the device row's lock.
    dataAck: "// The device decrypts this and checks that its SEQN came back.\nmsg.wsn.lost = msg.payload[0][0].lost;\nmsg.reply = { SEQN: msg.wsn.seqn, ack: true, lost: msg.wsn.lost };\nreturn msg;",
    // The procedure refused and answered the SEQN that won (none: the device
    // was deleted since its row was read); wsn encrypt tells replay from stale.
    outcomeRefusal: "const row = msg.payload[0][0];\nmsg.wsn.refused = true;\nmsg.reply = row.outcome === \"unknown\" ? { error: \"unknown_device\" } : { SEQN: row.seqn };\nreturn msg;"
});

const DIALECTS = [
    {
        file: "wsn-sqlite.json",
        idPrefix: "b",
        tab: { id: "a1f0c0de00000001", type: "tab", label: "wsn-crypto (SQLite)", disabled: false, info: "Encrypted, replay-protected data logging. See the package README.\nDatabase path: environment variable WSN_DB." },
        database: { id: "a1f0c0de000000db", type: "sqlitedb", db: "${WSN_DB}", mode: "RWC" },
        dbType: "sqlite",
        fn: SQLITE_FN,
        /** A database node running `sql` (a key of SQL); its parameters are already in msg.params. */
        query: (add, id, db, name, sql, x, y, wires) => add({ id: id("3"), type: "sqlite", mydb: db, sqlquery: "prepared", sql: SQL[sql], name, x, y, wires: [wires] }),
        // What a conditional write that was taken answers: the row RETURNING gave.
        taken: { property: "payload.length", value: "1", vt: "num" },
        storeComment: "Accepted only with a SEQN above the stored one; the row and the new SEQN are written in one statement."
    },
    {
        file: "wsn-mysql.json",
        idPrefix: "c",
        tab: { id: "a1f0c0de00000002", type: "tab", label: "wsn-crypto (MySQL/MariaDB)", disabled: false, info: "Encrypted, replay-protected data logging on MySQL/MariaDB; several Node-RED instances can share one database. See the package README.\nSchema: flows/schema-mysql.sql. Connection: environment variables WSN_MYSQL_HOST, WSN_MYSQL_PORT, WSN_MYSQL_DATABASE, WSN_MYSQL_USER, WSN_MYSQL_PASSWORD." },
        // Everything from the environment, so the flows file holds no address
        // or secret and the same file runs on every instance. The user and
        // password are credentials: the editor's import keeps them; Node-RED
        // resolves ${...} in credentials too.
        database: {
            id: "a1f0c0de000000d2", type: "MySQLdatabase", name: "wsn", host: "${WSN_MYSQL_HOST}", port: "${WSN_MYSQL_PORT}", db: "${WSN_MYSQL_DATABASE}",
            tz: "Z", charset: "UTF8MB4",
            credentials: { user: "${WSN_MYSQL_USER}", password: "${WSN_MYSQL_PASSWORD}" }
        },
        dbType: "mysql",
        fn: MYSQL_FN,
        /** A mysql node: the function before it set msg.topic and msg.payload. */
        query: (add, id, db, name, sql, x, y, wires) => add({ id: id("3"), type: "mysql", mydb: db, name, x, y, wires: [wires] }),
        // The writes are procedures that answer their outcome: no second
        // query to tell a refusal's reason.
        writesAnswerOutcome: true,
        storeComment: "Accepted only with a SEQN above the stored one; one CALL of wsn_store (flows/schema-mysql.sql) checks the SEQN, advances it and writes the row in one transaction, also when several Node-RED instances share the database."
    }
];

/** The nodes of one flows file. */
function build(dialect) {
    const TAB = dialect.tab.id;
    const DB = dialect.database.id;
    const FN = dialect.fn;
    let counter = 0;
    const nodes = [];
    /** Ids by kind of node, distinct between the dialects so both files can be imported side by side. */
    function id(kind) {
        counter += 1;
        const prefix = dialect.idPrefix + kind;
        return `${prefix}${counter.toString(16).padStart(16 - prefix.length, "0")}`;
    }
    function add(node) {
        nodes.push(Object.assign({ z: TAB }, node));
        return node.id;
    }
    function httpIn(name, method, url, x, y, wires) {
        return add({ id: id("0"), type: "http in", name, url, method, upload: false, swaggerDoc: "", x, y, wires: [wires] });
    }
    function httpResponse(name, x, y) {
        return add({ id: id("1"), type: "http response", name, statusCode: "", headers: {}, x, y, wires: [] });
    }
    function fn(name, func, outputs, x, y, wires) {
        return add({ id: id("2"), type: "function", name, func, outputs, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], x, y, wires });
    }
    function query(name, sql, x, y, wires) {
        return dialect.query(add, id, DB, name, sql, x, y, wires);
    }
    function decrypt(name, endpoint, x, y, wires) {
        return add({ id: id("4"), type: "wsn-decrypt", name, key: "payload[0].deviceKey", keyType: "msg", body: "req.body", stored: "payload[0].deviceSQN", policy: "forward-only", endpoint, maxLength: 16384, deviceId: "req.params.id", formats: "payload[0].deviceFormats", formatsType: "msg", x, y, wires });
    }
    /** `formats`: the device row's (a GET), or what wsn decrypt read from it (a reply to a request). */
    function encrypt(name, key, message, formats, x, y, wires) {
        return add({ id: id("5"), type: "wsn-encrypt", name, key, keyType: "msg", message, format: "auto", deviceId: "req.params.id", formats, formatsType: "msg", x, y, wires });
    }
    function reply(name, key, x, y, ok) {
        return encrypt(name, key, "reply", key === "wsn.key" ? "wsn.formats" : "payload[0].deviceFormats", x, y, [[ok], [ok]]);
    }
    /** Routes the database's answer: `test` says what a taken write looks like. */
    function stored(x, y, okWires, conflictWires, test) {
        return add({ id: id("6"), type: "switch", name: "stored?", property: test.property, propertyType: "msg", rules: [{ t: "eq", v: test.value, vt: test.vt }, { t: "else" }], checkall: "false", repair: false, outputs: 2, x, y, wires: [okWires, conflictWires] });
    }
    /**
     * After a conditional write at column x: `ack` if it was taken, else the
     * refusal on the line below, sealed by wsn encrypt with the SEQN stored
     * now, into its own http response. SQLite: the row RETURNING gave, or a
     * query of the SEQN now stored. MySQL: the outcome and SEQN the
     * procedure answered.
     */
    function written(x, y, ack) {
        const below = y + 60;
        if (dialect.writesAnswerOutcome) {
            const ok = httpResponse("", x + 460, below);
            const seal = reply("Seal refusal", "wsn.key", x + 300, below, ok);
            const refused = fn("Refused", FN.outcomeRefusal, 1, x + 140, below, [[seal]]);
            return stored(x, y, [ack], [refused], { property: "payload[0][0].outcome", value: "stored", vt: "str" });
        }
        const ok = httpResponse("", x + 780, below);
        const seal = reply("Seal refusal", "wsn.key", x + 620, below, ok);
        const answer = fn("SEQN that won", FN.refusal, 1, x + 460, below, [[seal]]);
        const seqnNow = query("SEQN now", "device", x + 300, below, [answer]);
        const refused = fn("Refused", FN.refusalParams, 1, x + 140, below, [[seqnNow]]);
        return stored(x, y, [ack], [refused], dialect.taken);
    }
    function comment(name, info, x, y) {
        return add({ id: id("8"), type: "comment", name, info, x, y, wires: [] });
    }

    nodes.push(dialect.tab);
    nodes.push(dialect.database);

    // Columns: each node of a line 170 px right of the one before, so that
    // the editor draws every wire left to right without overlaps.
    const at = (column) => 110 + 170 * column;

    // GET /wsn/:id -> encrypted {"SEQN":n} (the article's case 1; legacy formats only)
    {
        const y = 80;
        const ok = httpResponse("", at(5), y);
        const seal = reply("Encrypt response", "payload[0].deviceKey", at(4), y, ok);
        const answer = fn("SEQN reply", FN.seqnReply, 1, at(3), y, [[seal]]);
        const get = query("Get device", "device", at(2), y, [answer]);
        const params = fn("Device id", FN.deviceParams, 1, at(1), y, [[get]]);
        httpIn("getSensorSEQN", "get", "/wsn/:id", at(0), y, [params]);
        comment("GET /wsn/:id: current SEQN, encrypted (legacy formats)", "Case 1 of the article: the device asks for its sequence number, answered in the passphrase format (?format=raw: the raw format). Unauthenticated and replayable, so a device restricted to the authenticated format gets 403 here and asks with a sealed query on POST /wsn/:id instead.", at(1), y - 40);
    }

    // POST /wsn/:id: an authenticated SEQN query (the line above), or a SEQN
    // reset (cases 2 and 3); refusals on the lines below.
    {
        const y = 240;
        const ok = httpResponse("", at(10), y);
        const seal = reply("Encrypt ack", "wsn.key", at(9), y, ok);
        const ack = fn("Ack", FN.resetAck, 1, at(8), y, [[seal]]);
        const check = written(at(7), y, ack);
        const update = query("Set SEQN", "reset", at(6), y, [check]);
        const params = fn("Update params", FN.resetParams, 1, at(5), y, [[update]]);
        const seqnOk = httpResponse("", at(7), y - 60);
        const answer = reply("Encrypt SEQN", "wsn.key", at(6), y - 60, seqnOk);
        const seqn = add({ id: id("7"), type: "change", name: "SEQN reply", rules: [{ t: "set", p: "reply", pt: "msg", to: "{}", tot: "json" }, { t: "set", p: "reply.SEQN", pt: "msg", to: "wsn.stored", tot: "msg" }], x: at(5), y: y - 60, wires: [[answer]] });
        const kind = add({ id: id("6"), type: "switch", name: "query or reset?", property: "wsn.kind", propertyType: "msg", rules: [{ t: "eq", v: "query", vt: "str" }, { t: "else" }], checkall: "false", repair: false, outputs: 2, x: at(4), y, wires: [[seqn], [params]] });
        const refusedOk = httpResponse("", at(4), y + 60);
        const open = decrypt("Decrypt request", "seqn", at(3), y, [[kind], [refusedOk]]);
        const get = query("Get device", "device", at(2), y, [open]);
        const idParams = fn("Device id", FN.deviceParams, 1, at(1), y, [[get]]);
        httpIn("setSensorSEQN", "post", "/wsn/:id", at(0), y, [idParams]);
        comment("POST /wsn/:id: SEQN query (auth) or reset (forward only)", "Cases 2 and 3 of the article, and the authenticated SEQN query. A reset moves the SEQN forward only (the Decrypt node's 'any' policy restores the article's replayable reset for the passphrase format alone); the raw format cannot reset at all, its IV makes any captured ciphertext's first block rewritable.", at(1), y - 100);
    }

    // POST /data/:id with encrypted {"data":{...},"SEQN":n} -> one Data row
    {
        const y = 440;
        const ok = httpResponse("", at(9), y);
        const seal = reply("Encrypt ack", "wsn.key", at(8), y, ok);
        const ack = fn("Ack", FN.dataAck, 1, at(7), y, [[seal]]);
        const check = written(at(6), y, ack);
        const insert = query("Store data", "store", at(5), y, [check]);
        const params = fn("Insert params", FN.storeParams, 1, at(4), y, [[insert]]);
        const refusedOk = httpResponse("", at(4), y + 60);
        const open = decrypt("Decrypt request", "data", at(3), y, [[params], [refusedOk]]);
        const get = query("Get device", "device", at(2), y, [open]);
        const idParams = fn("Device id", FN.deviceParams, 1, at(1), y, [[get]]);
        httpIn("logSensorData", "post", "/data/:id", at(0), y, [idParams]);
        comment("POST /data/:id: log data", dialect.storeComment, at(1), y - 40);
    }

    // Database errors produce no output message from the database node; answer them here.
    {
        const res = httpResponse("", at(3), 580);
        const generic = fn("500, nothing more", FN.serverError, 1, at(2), 580, [[res]]);
        const scope = nodes.filter((n) => n.type === dialect.dbType || n.type === "function").map((n) => n.id);
        add({ id: id("9"), type: "catch", name: "database errors", scope, uncaught: false, x: at(0) + 40, y: 580, wires: [[generic]] });
    }
    return nodes;
}

const root = path.join(__dirname, "..");
const check = process.argv.includes("--check");
const stale = [];
let written = 0;
for (const dialect of DIALECTS) {
    const nodes = build(dialect);
    const text = JSON.stringify(nodes, null, 2) + "\n";
    const targets = [path.join(root, "flows", dialect.file), path.join(root, "examples", dialect.file)];
    for (const file of targets) {
        if (check) {
            if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) { stale.push(file); }
        } else {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, text);
            written += 1;
        }
    }
    if (!check) { console.log(`make-flows: ${dialect.file}: ${nodes.length} nodes`); }
}
if (stale.length) {
    console.error(`make-flows: out of date: ${stale.join(", ")} (run node scripts/make-flows.js)`);
    process.exit(1);
}
if (!check) { console.log(`make-flows: wrote ${written} files`); }
