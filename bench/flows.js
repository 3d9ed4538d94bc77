"use strict";
// The three backends the load benchmark compares, on the same Node-RED:
// (a) the original article's flows with CryptoJS function nodes, as
//     reconstructed here (the article's code with its lost
//     `global.get('cryptojs')` and `msg.req.params.id` restored, and a data
//     endpoint written the same way, since the article only announces it);
// (b) this package's flows, as shipped;
// (c) a ceiling: the shipped flows with the two wsn nodes replaced by
//     function nodes that do the same routing on plain JSON, no crypto.
// (a) builds SQL by concatenating strings, as the original did: it exists
// only to be measured here, with ids the benchmark chooses.

const fs = require("fs");
const path = require("path");

const SHIPPED = path.join(__dirname, "..", "flows", "wsn-sqlite.json");

// The article's tables, for (a), in the same journal mode as the shipped
// schema so that the comparison is of the flows, not of the disk.
const ORIGINAL_SCHEMA = `
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS Devices (deviceID String, deviceKey String, deviceSQN INTEGER);
CREATE TABLE IF NOT EXISTS Data (deviceID String, dataDate Date, dataValue Integer);
`;

const ORIGINAL_SETTINGS = `    functionGlobalContext: { cryptojs: require("crypto-js") },`;

function original() {
    const z = "0ri9ina1000000ab";
    const db = "0ri9ina1000000db";
    const buildQuery = "var deviceId = msg.req.params.id;\nmsg.topic = \"Select * from Devices where deviceID='\" + deviceId + \"'\";\nmsg.deviceid = deviceId;\nmsg.rawdata = msg.payload;\nreturn msg;";
    const encryptResponse = "var cryptojs = global.get('cryptojs');\ntry {\n    var AESKey = msg.payload[0].deviceKey;\n    var SEQNum = msg.payload[0].deviceSQN;\n    msg.payload = '{\"SEQN\":' + SEQNum + '}';\n    var bdata = new Buffer(msg.payload).toString('base64');\n    var ciphertext = cryptojs.AES.encrypt(bdata, AESKey);\n    msg.payload = ciphertext.toString();\n} catch (err) {\n    msg.payload = \"\";\n    node.log(\"Invalid deviceID request for GET SQN Operation\");\n}\nreturn msg;";
    const decryptRequest = "var cryptojs = global.get('cryptojs');\ntry {\n    var AESKey = msg.payload[0].deviceKey;\n    msg.device = msg.payload[0];\n    var rawdata = msg.rawdata.msg;\n    var bytes = cryptojs.AES.decrypt(rawdata, AESKey);\n    var plaintext = bytes.toString(cryptojs.enc.Utf8);\n    msg.payload = new Buffer(plaintext, 'base64').toString('ascii');\n    return [null, msg];\n} catch (err) {\n    msg.payload = \"\";\n    msg.statusCode = 500;\n    return [msg, null];\n}";
    const checkSeqn = "var obj = JSON.parse(msg.payload);\nif (!(obj.SEQN > msg.device.deviceSQN)) {\n    msg.statusCode = 409;\n    msg.payload = \"\";\n    return [null, msg];\n}\nmsg.seqn = obj.SEQN;\nmsg.value = obj.data.value;\nmsg.topic = \"update Devices set deviceSQN = \" + obj.SEQN + \" where deviceId = '\" + msg.deviceid + \"'\";\nreturn [msg, null];";
    const buildInsert = "msg.topic = \"insert into Data values('\" + msg.deviceid + \"', datetime('now'), \" + msg.value + \")\";\nreturn msg;";
    const encryptAck = "var cryptojs = global.get('cryptojs');\nvar bdata = new Buffer('{\"SEQN\":' + msg.seqn + '}').toString('base64');\nmsg.payload = cryptojs.AES.encrypt(bdata, msg.device.deviceKey).toString();\nreturn msg;";
    const fn = (id, name, func, outputs, wires) => ({ id, z, type: "function", name, func, outputs, noerr: 0, x: 0, y: 0, wires });
    const sql = (id, name, wires) => ({ id, z, type: "sqlite", mydb: db, sqlquery: "msg.topic", sql: "", name, x: 0, y: 0, wires: [wires] });
    return [
        { id: z, type: "tab", label: "original article flows" },
        { id: db, type: "sqlitedb", db: "${WSN_DB}", mode: "RWC" },
        { id: "a1", z, type: "http in", name: "getSensorSEQN", url: "/wsn/:id", method: "get", x: 0, y: 0, wires: [["a2"]] },
        fn("a2", "Build Query", buildQuery, 1, [["a3"]]),
        sql("a3", "Get Device SEQN", ["a4"]),
        fn("a4", "Encrypt response", encryptResponse, 1, [["a5"]]),
        { id: "a5", z, type: "http response", name: "", x: 0, y: 0, wires: [] },
        { id: "a6", z, type: "catch", name: "", scope: null, x: 0, y: 0, wires: [["a5"]] },

        { id: "b1", z, type: "http in", name: "logSensorData", url: "/data/:id", method: "post", x: 0, y: 0, wires: [["b2"]] },
        fn("b2", "Build Query", buildQuery, 1, [["b3"]]),
        sql("b3", "Get Device AES Key", ["b4"]),
        fn("b4", "Decrypt Request", decryptRequest, 2, [["b9"], ["b5"]]),
        fn("b5", "Build UPD Query", checkSeqn, 2, [["b6"], ["b9"]]),
        sql("b6", "Update SQN", ["b7"]),
        fn("b7", "Build INSERT", buildInsert, 1, [["b8"]]),
        sql("b8", "Insert Data", ["b10"]),
        fn("b10", "Encrypt ack", encryptAck, 1, [["b9"]]),
        { id: "b9", z, type: "http response", name: "", x: 0, y: 0, wires: [] }
    ];
}

// (c): the wsn nodes' routing without their crypto. Requests carry the
// plain message ({"data":...,"SEQN":n}) as their body. The stand-in for wsn
// decrypt does what the node does besides the crypto: the sequence rule, the
// outputs of its endpoint (seqn: query, reset, refused; data: accepted,
// refused), msg.wsn and the write's msg.params; the stand-in for wsn encrypt
// builds the same standard replies from the row the database answered.
function plainCheck(endpoint) {
    const seqnEndpoint = endpoint === "seqn";
    return `const row = Array.isArray(msg.payload) ? msg.payload[0] : undefined;
const body = msg.req.body;
const refused = (status, error) => { msg.statusCode = status; msg.payload = { error }; return ${seqnEndpoint ? "[null, null, msg]" : "[null, msg]"}; };
if (!row) { return refused(404, "unknown_device"); }
if (!body || typeof body.SEQN !== "number") { return refused(400, "bad_seqn"); }
if (!(body.SEQN > row.deviceSQN)) { return refused(409, body.SEQN === row.deviceSQN ? "replay" : "stale"); }
const id = msg.req.params.id;
${seqnEndpoint
        ? `msg.wsn = { format: "plain", kind: "reset", seqn: body.SEQN, stored: row.deviceSQN, lost: 0, policy: "forward-only", deviceId: id };
msg.params = { $id: id, $seqn: body.SEQN, $any: 0 };
msg.payload = body;
return [null, msg, null];`
        : `msg.wsn = { format: "plain", kind: "data", seqn: body.SEQN, stored: row.deviceSQN, lost: body.SEQN - row.deviceSQN - 1, policy: "forward-only", deviceId: id };
const data = body.data || {};
msg.params = { $id: id, $seqn: body.SEQN, $value: typeof data.value === "number" ? data.value : null, $json: JSON.stringify(data) };
msg.payload = body;
return [msg, null];`}`;
}
const plainReply = (property) => `let message = RED.util.getMessageProperty(msg, ${JSON.stringify(property)});
const row = Array.isArray(msg.payload) ? msg.payload[0] : undefined;
const wsn = msg.wsn;
if (message === undefined) {
    if (!wsn) { message = row && typeof row.deviceSQN === "number" ? { SEQN: row.deviceSQN } : undefined; }
    else if (wsn.refused) { msg.statusCode = 409; message = { error: row && row.deviceSQN === wsn.seqn ? "replay" : "stale", SEQN: row ? row.deviceSQN : undefined }; }
    else if (wsn.kind === "reset") { message = { SEQN: wsn.seqn, ack: true }; }
    else { message = { SEQN: wsn.seqn, ack: true, lost: row && typeof row.dataLost === "number" ? row.dataLost : wsn.lost }; }
}
if (message === undefined) { msg.statusCode = 404; msg.payload = { error: "unknown_device" }; return [null, msg]; }
msg.payload = message;
return [msg, null];`;

function ceiling() {
    const nodes = JSON.parse(fs.readFileSync(SHIPPED, "utf8"));
    return nodes.map(function (node) {
        if (node.type === "wsn-decrypt") {
            return { id: node.id, z: node.z, g: node.g, type: "function", name: "plain check", func: plainCheck(node.endpoint), outputs: node.wires.length, noerr: 0, x: node.x, y: node.y, wires: node.wires };
        }
        if (node.type === "wsn-encrypt") {
            return { id: node.id, z: node.z, g: node.g, type: "function", name: "plain reply", func: plainReply(node.message), outputs: 2, noerr: 0, x: node.x, y: node.y, wires: node.wires };
        }
        return node;
    });
}

module.exports = { SHIPPED, ORIGINAL_SCHEMA, ORIGINAL_SETTINGS, original, ceiling };
