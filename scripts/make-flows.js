#!/usr/bin/env node
"use strict";
// Writes flows/wsn-sqlite.json (and its copy under examples/ for the editor's
// Import > Examples) from the definitions below, so the three endpoints stay
// consistent. Run: node scripts/make-flows.js [--check]

const fs = require("fs");
const path = require("path");

const TAB = "a1f0c0de00000001";
const DB = "a1f0c0de000000db";

const SQL = {
    device: "SELECT deviceKey, deviceSQN FROM Devices WHERE deviceID = $id",
    reset: "UPDATE Devices SET deviceSQN = $seqn\nWHERE deviceID = $id AND (deviceSQN < $seqn OR $any = 1)\nRETURNING deviceSQN",
    // The SEQN check and the write are one statement; the schema's trigger
    // advances Devices.deviceSQN inside it. N copies of one request: one row.
    store: "INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataLost, dataJSON)\nSELECT deviceID, $date, $value, $seqn, $seqn - deviceSQN - 1, $json FROM Devices\nWHERE deviceID = $id AND deviceSQN < $seqn\nRETURNING dataSEQN, dataLost"
};

const FN = {
    deviceParams: "msg.params = { $id: msg.req.params.id };\nreturn msg;",
    seqnReply: "// No row: the wsn encrypt node finds no key and answers 404.\nconst row = Array.isArray(msg.payload) ? msg.payload[0] : undefined;\nmsg.reply = row ? { SEQN: row.deviceSQN } : undefined;\nreturn msg;",
    resetParams: "msg.params = {\n    $id: msg.req.params.id,\n    $seqn: msg.wsn.seqn,\n    $any: msg.wsn.policy === \"any\" ? 1 : 0\n};\nreturn msg;",
    storeParams: "const data = msg.payload.data;\nif (data === null || typeof data !== \"object\") {\n    msg.statusCode = 400;\n    msg.payload = { error: \"bad_format\" };\n    return [null, msg];\n}\nmsg.params = {\n    $id: msg.req.params.id,\n    $date: new Date().toISOString(),\n    $value: typeof data.value === \"number\" ? data.value : null,\n    $seqn: msg.wsn.seqn,\n    $json: JSON.stringify(data)\n};\nreturn [msg, null];",
    // The gap counted by the INSERT itself: under concurrency the one the
    // decrypt node saw may already be out of date.
    dataAck: "// The device decrypts this and checks that its SEQN came back.\nmsg.wsn.lost = msg.payload[0].dataLost;\nmsg.reply = { SEQN: msg.wsn.seqn, ack: true, lost: msg.wsn.lost };\nreturn msg;",
    resetAck: "// The device decrypts this and checks that its new SEQN came back.\nmsg.wsn.lost = 0;\nmsg.reply = { SEQN: msg.wsn.seqn, ack: true };\nreturn msg;",
    refusalParams: "// The conditional write refused: read the SEQN that won to tell replay from stale.\nmsg.params = { $id: msg.req.params.id };\nreturn msg;",
    refusal: "const row = Array.isArray(msg.payload) ? msg.payload[0] : undefined;\nmsg.statusCode = 409;\nmsg.payload = { error: row && row.deviceSQN === msg.wsn.seqn ? \"replay\" : \"stale\" };\ndelete msg.wsn;\nreturn msg;",
    serverError: "// Only a generic answer: the message may carry the device row.\nmsg.statusCode = 500;\nmsg.payload = { error: \"server_error\" };\ndelete msg.wsn;\nreturn msg;"
};

let counter = 0;
const nodes = [];
function id(prefix) {
    counter += 1;
    return `${prefix}${counter.toString(16).padStart(16 - prefix.length, "0")}`;
}
function add(node) {
    nodes.push(Object.assign({ z: TAB }, node));
    return node.id;
}
function httpIn(name, method, url, x, y, wires) {
    return add({ id: id("b0"), type: "http in", name, url, method, upload: false, swaggerDoc: "", x, y, wires: [wires] });
}
function httpResponse(name, x, y) {
    return add({ id: id("b1"), type: "http response", name, statusCode: "", headers: {}, x, y, wires: [] });
}
function fn(name, func, outputs, x, y, wires) {
    return add({ id: id("b2"), type: "function", name, func, outputs, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], x, y, wires });
}
function sqlite(name, sql, x, y, wires) {
    return add({ id: id("b3"), type: "sqlite", mydb: DB, sqlquery: "prepared", sql, name, x, y, wires: [wires] });
}
function decrypt(name, policy, x, y, wires) {
    return add({ id: id("b4"), type: "wsn-decrypt", name, key: "payload[0].deviceKey", keyType: "msg", body: "req.body", stored: "payload[0].deviceSQN", policy, maxLength: 16384, x, y, wires });
}
function encrypt(name, key, message, x, y, wires) {
    return add({ id: id("b5"), type: "wsn-encrypt", name, key, keyType: "msg", message, format: "auto", x, y, wires });
}
function stored(x, y, okWires, conflictWires) {
    return add({ id: id("b6"), type: "switch", name: "stored?", property: "payload.length", propertyType: "msg", rules: [{ t: "eq", v: "1", vt: "num" }, { t: "else" }], checkall: "false", repair: false, outputs: 2, x, y, wires: [okWires, conflictWires] });
}
/** The refused-write path: 409 with "replay" or "stale" by the SEQN now stored. */
function conflict(x, y, wires) {
    const answer = fn("409 replay/stale", FN.refusal, 1, x + 330, y, [wires]);
    const query = sqlite("SEQN now", SQL.device, x + 170, y, [answer]);
    return fn("Refused", FN.refusalParams, 1, x, y, [[query]]);
}
function comment(name, info, x, y) {
    return add({ id: id("b8"), type: "comment", name, info, x, y, wires: [] });
}

nodes.push({ id: TAB, type: "tab", label: "wsn-crypto (SQLite)", disabled: false, info: "Encrypted, replay-protected data logging. See the package README.\nDatabase path: environment variable WSN_DB." });
nodes.push({ id: DB, type: "sqlitedb", db: "${WSN_DB}", mode: "RWC" });

// GET /wsn/:id -> encrypted {"SEQN":n} (the article's case 1)
{
    const ok = httpResponse("", 1070, 80);
    const seal = encrypt("Encrypt response", "payload[0].deviceKey", "reply", 870, 80, [[ok], [ok]]);
    const reply = fn("SEQN reply", FN.seqnReply, 1, 690, 80, [[seal]]);
    const query = sqlite("Get device", SQL.device, 450, 80, [reply]);
    const params = fn("Device id", FN.deviceParams, 1, 290, 80, [[query]]);
    httpIn("getSensorSEQN", "get", "/wsn/:id", 120, 80, [params]);
    comment("GET /wsn/:id: current SEQN, encrypted", "Case 1 of the article: the device asks for its sequence number.", 150, 40);
}

// POST /wsn/:id with encrypted {"SEQN":n} -> sets the SEQN (cases 2 and 3)
{
    const ok = httpResponse("", 1250, 200);
    const seal = encrypt("Encrypt ack", "wsn.key", "reply", 1070, 200, [[ok], [ok]]);
    const ack = fn("Ack", FN.resetAck, 1, 930, 200, [[seal]]);
    const replay = conflict(930, 260, [ok]);
    const check = stored(800, 200, [ack], [replay]);
    const update = sqlite("Set SEQN", SQL.reset, 660, 200, [check]);
    const params = fn("Update params", FN.resetParams, 1, 450, 260, [[update]]);
    const open = decrypt("Decrypt request", "forward-only", 450, 200, [[params], [ok]]);
    const query = sqlite("Get device", SQL.device, 290, 260, [open]);
    const idParams = fn("Device id", FN.deviceParams, 1, 290, 200, [[query]]);
    httpIn("setSensorSEQN", "post", "/wsn/:id", 120, 200, [idParams]);
    comment("POST /wsn/:id: set SEQN (forward only)", "Cases 2 and 3 of the article. The policy 'any' of the Decrypt node restores the article's behaviour, which a captured request can replay.", 160, 160);
}

// POST /data/:id with encrypted {"data":{...},"SEQN":n} -> one Data row
{
    const ok = httpResponse("", 1250, 360);
    const seal = encrypt("Encrypt ack", "wsn.key", "reply", 1070, 360, [[ok], [ok]]);
    const ack = fn("Ack", FN.dataAck, 1, 930, 360, [[seal]]);
    const replay = conflict(930, 420, [ok]);
    const check = stored(800, 360, [ack], [replay]);
    const insert = sqlite("Store data", SQL.store, 660, 360, [check]);
    const params = fn("Insert params", FN.storeParams, 2, 450, 420, [[insert], [ok]]);
    const open = decrypt("Decrypt request", "forward-only", 450, 360, [[params], [ok]]);
    const query = sqlite("Get device", SQL.device, 290, 420, [open]);
    const idParams = fn("Device id", FN.deviceParams, 1, 290, 360, [[query]]);
    httpIn("logSensorData", "post", "/data/:id", 120, 360, [idParams]);
    comment("POST /data/:id: log data", "Accepted only with a SEQN above the stored one; the row and the new SEQN are written in one statement.", 130, 320);
}

// Database errors produce no output message from the sqlite node; answer them here.
{
    const res = httpResponse("", 630, 500);
    const generic = fn("500, nothing more", FN.serverError, 1, 440, 500, [[res]]);
    const scope = nodes.filter((n) => n.type === "sqlite" || n.type === "function").map((n) => n.id);
    add({ id: id("b9"), type: "catch", name: "database errors", scope, uncaught: false, x: 200, y: 500, wires: [[generic]] });
}

const text = JSON.stringify(nodes, null, 2) + "\n";
const root = path.join(__dirname, "..");
const targets = [path.join(root, "flows", "wsn-sqlite.json"), path.join(root, "examples", "wsn-sqlite.json")];
if (process.argv.includes("--check")) {
    const stale = targets.filter((file) => !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text);
    if (stale.length) {
        console.error(`make-flows: out of date: ${stale.join(", ")} (run node scripts/make-flows.js)`);
        process.exit(1);
    }
} else {
    for (const file of targets) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
    }
    console.log(`make-flows: wrote ${targets.length} files, ${nodes.length} nodes`);
}
