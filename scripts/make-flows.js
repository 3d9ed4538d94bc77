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
    deviceWithChallenge: "SELECT d.deviceKey, d.deviceSQN, d.deviceFormats, c.challenge\nFROM Devices d LEFT JOIN Challenges c ON c.deviceID = d.deviceID\nWHERE d.deviceID = $id",
    // 128 bits from SQLite's randomblob (ChaCha20, seeded by the OS). Only a
    // device allowed the auth format gets one (the others are answered 403).
    challenge: "INSERT INTO Challenges (deviceID, challenge, expires)\nSELECT deviceID, lower(hex(randomblob(16))), $expires FROM Devices WHERE deviceID = $id\n  AND instr(',' || replace(deviceFormats, ' ', '') || ',', ',auth,') > 0\nON CONFLICT (deviceID) DO UPDATE SET challenge = excluded.challenge, expires = excluded.expires",
    // A reset in the authenticated format must carry the device's current
    // challenge; the schema's trigger withdraws it as the SEQN moves.
    reset: "UPDATE Devices SET deviceSQN = $seqn\nWHERE deviceID = $id AND (deviceSQN < $seqn OR $any = 1)\n  AND ($auth = 0 OR EXISTS (SELECT 1 FROM Challenges\n      WHERE deviceID = $id AND challenge = $challenge AND expires > $now))\nRETURNING deviceSQN",
    // The SEQN check and the write are one statement; the schema's trigger
    // advances Devices.deviceSQN inside it. N copies of one request: one row.
    store: "INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataLost, dataJSON)\nSELECT deviceID, $date, $value, $seqn, $seqn - deviceSQN - 1, $json FROM Devices\nWHERE deviceID = $id AND deviceSQN < $seqn\nRETURNING dataSEQN, dataLost"
};

// The checks both dialects' function nodes start with; each ends in its own query.
const NONCE_CHECK = "// Nonces of up to 64 characters are echoed; longer ones are refused.\nconst nonce = msg.req.query.nonce;\nif (nonce === undefined) { return [null, msg]; }\nif (typeof nonce !== \"string\" || nonce.length === 0 || nonce.length > 64) {\n    msg.statusCode = 400;\n    msg.payload = { error: \"bad_format\" };\n    return [null, null, msg];\n}\n";
const DATA_CHECK = "const data = msg.payload.data;\nif (data === null || typeof data !== \"object\") {\n    msg.statusCode = 400;\n    msg.payload = { error: \"bad_format\" };\n    return [null, msg];\n}\n";

const SQLITE_FN = {
    deviceParams: "msg.params = { $id: msg.req.params.id };\nreturn msg;",
    // The GET's device query with the challenge takes the same parameters.
    challengeDeviceParams: "msg.params = { $id: msg.req.params.id };\nreturn msg;",
    seqnReply: "// No row: the wsn encrypt node finds no key and answers 404.\nconst row = Array.isArray(msg.payload) ? msg.payload[0] : undefined;\nmsg.reply = row ? { SEQN: row.deviceSQN } : undefined;\n// A device that sent a nonce gets it back with a reset challenge, in the\n// authenticated format, so an old reply cannot be replayed to it.\nconst nonce = msg.req.query.nonce;\nif (row && typeof nonce === \"string\") {\n    msg.reply.nonce = nonce;\n    msg.reply.challenge = row.challenge;\n}\nreturn msg;",
    hasNonce: NONCE_CHECK + "msg.params = { $id: msg.req.params.id, $expires: Date.now() + 60000 };\nreturn [msg, null, null];",
    resetParams: "msg.params = {\n    $id: msg.req.params.id,\n    $seqn: msg.wsn.seqn,\n    $any: msg.wsn.policy === \"any\" ? 1 : 0,\n    $auth: msg.wsn.format === \"auth\" ? 1 : 0,\n    $challenge: typeof msg.payload.challenge === \"string\" ? msg.payload.challenge : \"\",\n    $now: Date.now()\n};\nreturn msg;",
    storeParams: DATA_CHECK + "msg.params = {\n    $id: msg.req.params.id,\n    $date: new Date().toISOString(),\n    $value: typeof data.value === \"number\" ? data.value : null,\n    $seqn: msg.wsn.seqn,\n    $json: JSON.stringify(data)\n};\nreturn [msg, null];",
    // The gap counted by the INSERT itself: under concurrency the one the
    // decrypt node saw may already be out of date.
    dataAck: "// The device decrypts this and checks that its SEQN came back.\nmsg.wsn.lost = msg.payload[0].dataLost;\nmsg.reply = { SEQN: msg.wsn.seqn, ack: true, lost: msg.wsn.lost };\nreturn msg;",
    resetAck: "// The device decrypts this and checks that its new SEQN came back.\nmsg.wsn.lost = 0;\nmsg.reply = { SEQN: msg.wsn.seqn, ack: true };\nreturn msg;",
    refusalParams: "// The conditional write refused: read the SEQN that won to tell replay from stale.\nmsg.params = { $id: msg.req.params.id };\nreturn msg;",
    refusal: "const row = Array.isArray(msg.payload) ? msg.payload[0] : undefined;\nconst stored = row ? row.deviceSQN : undefined;\nconst seqn = msg.wsn.seqn;\nlet error = \"bad_challenge\";\nif (stored === seqn) { error = \"replay\"; }\nelse if (stored > seqn && msg.wsn.policy !== \"any\") { error = \"stale\"; }\nmsg.statusCode = error === \"bad_challenge\" ? 403 : 409;\nmsg.payload = { error };\ndelete msg.wsn;\nreturn msg;",
    serverError: "// Only a generic answer: the message may carry the device row.\nmsg.statusCode = 500;\nmsg.payload = { error: \"server_error\" };\ndelete msg.wsn;\nreturn msg;"
};

// --- MySQL/MariaDB (node-red-node-mysql): SQL in msg.topic, named
// parameters (:name) in msg.payload, escaped by the driver ---

const MYSQL_SQL = {
    device: "SELECT deviceKey, deviceSQN, deviceFormats FROM Devices WHERE deviceID = :id",
    deviceWithChallenge: "SELECT d.deviceKey, d.deviceSQN, d.deviceFormats, c.challenge FROM Devices d LEFT JOIN Challenges c ON c.deviceID = d.deviceID WHERE d.deviceID = :id",
    // 128 bits from RANDOM_BYTES (the server's TLS library); good for a minute
    // on the database server's clock, which every instance shares. Only for a
    // device allowed the auth format.
    challenge: "INSERT INTO Challenges (deviceID, challenge, expires) SELECT deviceID, LOWER(HEX(RANDOM_BYTES(16))), CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) * 1000 AS SIGNED) + 60000 FROM Devices WHERE deviceID = :id AND FIND_IN_SET('auth', REPLACE(deviceFormats, ' ', '')) > 0 ON DUPLICATE KEY UPDATE challenge = VALUES(challenge), expires = VALUES(expires)",
    // MariaDB refuses the SQLite flows' trigger tricks (error 1442): the
    // procedures in flows/schema-mysql.sql check the SEQN (and the challenge),
    // write and withdraw the challenge in one transaction and answer one row
    // {outcome, seqn, lost}. The node answers [[row], {affectedRows}].
    reset: "CALL wsn_reset(:id, :seqn, :any, :auth, :challenge)",
    store: "CALL wsn_store(:id, :seqn, :value, :json)"
};

/** A function that sets the query and its parameters for the mysql node. */
function mysqlQuery(sql, payload) {
    return `msg.topic = ${JSON.stringify(sql)};\nmsg.payload = ${payload};\nreturn msg;`;
}

// The answers are the same as SQLite's; the queries and the data outcome differ.
const MYSQL_FN = Object.assign({}, SQLITE_FN, {
    deviceParams: mysqlQuery(MYSQL_SQL.device, "{ id: msg.req.params.id }"),
    challengeDeviceParams: mysqlQuery(MYSQL_SQL.deviceWithChallenge, "{ id: msg.req.params.id }"),
    // The second output goes on to the device query set before this node.
    hasNonce: NONCE_CHECK +
        `msg.topic = ${JSON.stringify(MYSQL_SQL.challenge)};\n` +
        "msg.payload = { id: msg.req.params.id };\nreturn [msg, null, null];",
    resetParams: mysqlQuery(MYSQL_SQL.reset, "{\n    id: msg.req.params.id,\n    seqn: msg.wsn.seqn,\n    any: msg.wsn.policy === \"any\" ? 1 : 0,\n    auth: msg.wsn.format === \"auth\" ? 1 : 0,\n    challenge: typeof msg.payload.challenge === \"string\" ? msg.payload.challenge : \"\"\n}"),
    storeParams: DATA_CHECK +
        `msg.topic = ${JSON.stringify(MYSQL_SQL.store)};\n` +
        "msg.payload = {\n    id: msg.req.params.id,\n    seqn: msg.wsn.seqn,\n    value: typeof data.value === \"number\" ? data.value : null,\n    json: JSON.stringify(data)\n};\nreturn [msg, null];",
    // The gap counted by the procedure under the device row's lock.
    dataAck: "// The device decrypts this and checks that its SEQN came back.\nmsg.wsn.lost = msg.payload[0][0].lost;\nmsg.reply = { SEQN: msg.wsn.seqn, ack: true, lost: msg.wsn.lost };\nreturn msg;",
    outcomeRefusal: "// The procedure refused and said why.\nconst STATUS = { replay: 409, stale: 409, bad_challenge: 403, unknown_device: 404 };\nconst outcome = msg.payload[0][0].outcome;\n// \"unknown\": the device was deleted since its row was read.\nconst error = outcome === \"unknown\" ? \"unknown_device\" : outcome;\nmsg.statusCode = STATUS[error] || 500;\nmsg.payload = { error: STATUS[error] ? error : \"server_error\" };\ndelete msg.wsn;\nreturn msg;"
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
    function decrypt(name, policy, x, y, wires) {
        return add({ id: id("4"), type: "wsn-decrypt", name, key: "payload[0].deviceKey", keyType: "msg", body: "req.body", stored: "payload[0].deviceSQN", policy, maxLength: 16384, deviceId: "req.params.id", formats: "payload[0].deviceFormats", x, y, wires });
    }
    function encrypt(name, key, message, x, y, wires) {
        return add({ id: id("5"), type: "wsn-encrypt", name, key, keyType: "msg", message, format: "auto", deviceId: "req.params.id", formats: "payload[0].deviceFormats", x, y, wires });
    }
    /** Routes the database's answer: `test` says what a taken write looks like. */
    function stored(x, y, okWires, conflictWires, test) {
        return add({ id: id("6"), type: "switch", name: "stored?", property: test.property, propertyType: "msg", rules: [{ t: "eq", v: test.value, vt: test.vt }, { t: "else" }], checkall: "false", repair: false, outputs: 2, x, y, wires: [okWires, conflictWires] });
    }
    /**
     * After a conditional write: `ack` if it was taken, else the refusal.
     * SQLite: the row RETURNING gave, or a query of the SEQN now stored to
     * tell 409 "replay"/"stale" from 403 "bad_challenge". MySQL: the outcome
     * the procedure answered.
     */
    function written(x, y, ack, ok) {
        if (dialect.writesAnswerOutcome) {
            const refused = fn("refused", FN.outcomeRefusal, 1, x + 130, y + 60, [ok]);
            return stored(x, y, [ack], [refused], { property: "payload[0][0].outcome", value: "stored", vt: "str" });
        }
        const replay = conflict(x + 130, y + 60, ok);
        return stored(x, y, [ack], [replay], dialect.taken);
    }
    /** The refused-write path: 409 "replay"/"stale" by the SEQN now stored, or 403 "bad_challenge". */
    function conflict(x, y, wires) {
        const answer = fn("409/403 refused", FN.refusal, 1, x + 330, y, [wires]);
        const seqnNow = query("SEQN now", "device", x + 170, y, [answer]);
        return fn("Refused", FN.refusalParams, 1, x, y, [[seqnNow]]);
    }
    function comment(name, info, x, y) {
        return add({ id: id("8"), type: "comment", name, info, x, y, wires: [] });
    }

    nodes.push(dialect.tab);
    nodes.push(dialect.database);

    // GET /wsn/:id -> encrypted {"SEQN":n} (the article's case 1);
    // GET /wsn/:id?nonce=N -> authenticated {"SEQN":n,"nonce":N,"challenge":C}
    {
        const ok = httpResponse("", 1070, 80);
        const seal = encrypt("Encrypt response", "payload[0].deviceKey", "reply", 870, 80, [[ok], [ok]]);
        const reply = fn("SEQN reply", FN.seqnReply, 1, 690, 80, [[seal]]);
        const get = query("Get device", "deviceWithChallenge", 530, 80, [reply]);
        const getParams = fn("Device id", FN.challengeDeviceParams, 1, 530, 140, [[get]]);
        const issue = query("Issue challenge", "challenge", 370, 140, [getParams]);
        const nonce = fn("nonce?", FN.hasNonce, 3, 370, 80, [[issue], [get], [ok]]);
        const params = fn("Device id", FN.challengeDeviceParams, 1, 240, 80, [[nonce]]);
        httpIn("getSensorSEQN", "get", "/wsn/:id", 100, 80, [params]);
        comment("GET /wsn/:id: current SEQN, encrypted", "Case 1 of the article: the device asks for its sequence number. With ?nonce=N the answer is authenticated, echoes N and carries a fresh reset challenge.", 150, 40);
    }

    // POST /wsn/:id with encrypted {"SEQN":n} -> sets the SEQN (cases 2 and 3)
    {
        const ok = httpResponse("", 1250, 200);
        const seal = encrypt("Encrypt ack", "wsn.key", "reply", 1070, 200, [[ok], [ok]]);
        const ack = fn("Ack", FN.resetAck, 1, 930, 200, [[seal]]);
        const check = written(800, 200, ack, [ok]);
        const update = query("Set SEQN", "reset", 660, 200, [check]);
        const params = fn("Update params", FN.resetParams, 1, 450, 260, [[update]]);
        const open = decrypt("Decrypt request", "forward-only", 450, 200, [[params], [ok]]);
        const get = query("Get device", "device", 290, 260, [open]);
        const idParams = fn("Device id", FN.deviceParams, 1, 290, 200, [[get]]);
        httpIn("setSensorSEQN", "post", "/wsn/:id", 120, 200, [idParams]);
        comment("POST /wsn/:id: set SEQN (forward only)", "Cases 2 and 3 of the article. The policy 'any' of the Decrypt node restores the article's behaviour, which a captured request can replay. In the authenticated format a reset must carry the challenge of a GET with a nonce, good once and for a minute.", 160, 160);
    }

    // POST /data/:id with encrypted {"data":{...},"SEQN":n} -> one Data row
    {
        const ok = httpResponse("", 1250, 360);
        const seal = encrypt("Encrypt ack", "wsn.key", "reply", 1070, 360, [[ok], [ok]]);
        const ack = fn("Ack", FN.dataAck, 1, 930, 360, [[seal]]);
        const check = written(800, 360, ack, [ok]);
        const insert = query("Store data", "store", 660, 360, [check]);
        const params = fn("Insert params", FN.storeParams, 2, 450, 420, [[insert], [ok]]);
        const open = decrypt("Decrypt request", "forward-only", 450, 360, [[params], [ok]]);
        const get = query("Get device", "device", 290, 420, [open]);
        const idParams = fn("Device id", FN.deviceParams, 1, 290, 360, [[get]]);
        httpIn("logSensorData", "post", "/data/:id", 120, 360, [idParams]);
        comment("POST /data/:id: log data", dialect.storeComment, 130, 320);
    }

    // Database errors produce no output message from the database node; answer them here.
    {
        const res = httpResponse("", 630, 500);
        const generic = fn("500, nothing more", FN.serverError, 1, 440, 500, [[res]]);
        const scope = nodes.filter((n) => n.type === dialect.dbType || n.type === "function").map((n) => n.id);
        add({ id: id("9"), type: "catch", name: "database errors", scope, uncaught: false, x: 200, y: 500, wires: [[generic]] });
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
