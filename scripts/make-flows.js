#!/usr/bin/env node
"use strict";
// Writes flows/wsn-sqlite.json, flows/wsn-mysql.json and
// flows/wsn-mqtt-sqlite.json (and their copies under examples/ for the
// editor's Import > Examples) from the definitions below, so that the three
// endpoints stay the same on both databases and both transports: only the
// database nodes, their SQL, the change nodes that hand them parameters, and
// where a request comes in and its answer goes out differ; and the fleet
// dashboard beside them (scripts/flows/fleet-dashboard.js). Then prints the
// figures of each flow, measured on the JSON written. Run: node scripts/make-flows.js [--check]
// Figures of any flows file: node scripts/make-flows.js --figures FILE

const fs = require("fs");
const path = require("path");
const { DECRYPT, ENCRYPT, DECRYPT_OUTPUTS } = require("../node-red/lib/defaults.js");
const { layout, wire } = require("./flows/layout.js");
const fleetDashboard = require("./flows/fleet-dashboard.js");
// The answer to a database error, from the core's table of codes and statuses
// (the flows are made after the build: scripts/test.sh builds first).
const core = require("../pkg/wsn_crypto.js");
const SERVER_ERROR = { status: core.httpStatus("server_error"), body: JSON.stringify({ error: core.publicCode("server_error") }) };

// --- SQLite (node-red-node-sqlite): SQL in the node, parameters in msg.params,
// which wsn decrypt sets for the write (its "params" option) ---

const SQL = {
    device: "SELECT deviceKey, deviceSQN, deviceFormats FROM Devices WHERE deviceID = $id",
    // Forward only unless the decrypt node's policy is "any" (which the core
    // grants the passphrase format only; an authenticated or raw request never
    // lowers a SEQN).
    reset: "UPDATE Devices SET deviceSQN = $seqn\nWHERE deviceID = $id AND (deviceSQN < $seqn OR $any = 1)\nRETURNING deviceSQN",
    // The SEQN check and the write are one statement; the schema's trigger
    // advances Devices.deviceSQN inside it. N copies of one request: one row.
    // The date is the text Date#toISOString writes, taken by the statement itself.
    store: "INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataLost, dataJSON)\nSELECT deviceID, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), $value, $seqn, $seqn - deviceSQN - 1, $json FROM Devices\nWHERE deviceID = $id AND deviceSQN < $seqn\nRETURNING dataSEQN, dataLost"
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

/** Change-node rules. */
const set = (p, to, tot) => ({ t: "set", p, pt: "msg", to, tot });
const del = (p) => ({ t: "delete", p, pt: "msg" });

const DIALECTS = [
    {
        file: "wsn-sqlite.json",
        idPrefix: "b",
        tab: { id: "a1f0c0de00000001", type: "tab", label: "wsn-crypto (SQLite)", disabled: false, info: "Encrypted, replay-protected data logging. See the package README.\nDatabase path: environment variable WSN_DB." },
        database: { id: "a1f0c0de000000db", type: "sqlitedb", db: "${WSN_DB}", mode: "RWC" },
        // The key-encryption key: from the environment, never in this file.
        kek: { id: "a1f0c0de000000ee", type: "wsn-kek", name: "", source: "env", variable: "WSN_KEK", file: "" },
        dbType: "sqlite",
        params: "sqlite",
        /** The device row of msg.req.params.id: the query's parameter in msg.params. */
        deviceQuery: [set("params", "{}", "json"), set("params.$id", "req.params.id", "msg")],
        /** A database node running SQL[sql]; the parameters are in msg.params. */
        query: (id, db, name, sql) => ({ id: id("3"), type: "sqlite", mydb: db, sqlquery: "prepared", sql: SQL[sql], name }),
        // Each write takes wsn decrypt's msg.params as they are.
        writeQuery: null,
        // What a conditional write that was taken answers: the row RETURNING gave.
        taken: { property: "payload.length", value: "1", vt: "num" },
        // A write that lost: the SEQN stored now, read again (none: the device is gone).
        seqnNow: true,
        lost: "payload[0].dataLost",
        refusalSeqn: "payload[0].deviceSQN",
        storeInfo: "Accepted only with a SEQN above the stored one; the row and the new SEQN are written in one statement."
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
        kek: { id: "a1f0c0de000000e2", type: "wsn-kek", name: "", source: "env", variable: "WSN_KEK", file: "" },
        dbType: "mysql",
        params: "mysql",
        deviceQuery: [set("topic", MYSQL_SQL.device, "str"), set("payload", "{}", "json"), set("payload.id", "req.params.id", "msg")],
        /** A mysql node: the change node before it set msg.topic and msg.payload. */
        query: (id, db, name) => ({ id: id("3"), type: "mysql", mydb: db, name }),
        // The mysql node reads its SQL from msg.topic and its parameters from
        // msg.payload: one change node per write moves wsn decrypt's msg.params there.
        writeQuery: (sql) => [set("topic", MYSQL_SQL[sql], "str"), set("payload", "params", "msg")],
        taken: { property: "payload[0][0].outcome", value: "stored", vt: "str" },
        // The procedures answer the SEQN that won with their outcome.
        seqnNow: false,
        lost: "payload[0][0].lost",
        refusalSeqn: "payload[0][0].seqn",
        storeInfo: "Accepted only with a SEQN above the stored one; one CALL of wsn_store (flows/schema-mysql.sql) checks the SEQN, advances it and writes the row in one transaction, also when several Node-RED instances share the database."
    }
];

// --- MQTT (Node-RED's mqtt in / mqtt out, MQTT 5): devices publish to
// wsn/<id>/up and are answered on wsn/<id>/down, or on the response topic
// they name if it is inside wsn/<id>/down/ (a device may not have its
// replies published anywhere else). The same SQLite statements. ---

const MQTT_UP = "wsn/+/up";
/**
 * The reply topic, from the request's topic and MQTT 5 response topic:
 * only a topic of the device's own down tree is honoured, none with a
 * wildcard (not publishable), and none longer than 128 characters.
 */
const REPLY_TOPIC = [
    "(",
    "  $down := \"wsn/\" & $split(topic, \"/\")[1] & \"/down\";",
    "  $asked := $type(responseTopic) = \"string\" and $length(responseTopic) <= 128 ? responseTopic : \"\";",
    "  ($asked = $down or $substring($asked, 0, $length($down) + 1) = $down & \"/\") and $not($contains($asked, \"+\") or $contains($asked, \"#\")) ? $asked : $down",
    ")"
].join("\n");
/**
 * The request's MQTT 5 correlation data, echoed in the answer, if it is
 * short (its JSON text at most 500 characters: 150 to 230 bytes); a longer
 * one is dropped. A request near the broker's packet limit must not make an
 * answer above it: the broker would refuse the backend's publish and close
 * its connection, and the publish, at QoS 1, would be sent again, and
 * refused again, at every reconnection.
 */
const CORRELATION_DATA = "$length($string(correlationData)) <= 500 ? correlationData : null";

/**
 * A request as mqtt in gives it, made what the rest of the flow reads: the
 * device id from the topic, the body kept aside from the payload (the
 * device query overwrites it), the reply topic in msg[replyTo], and none of
 * the request's publish properties carried into the reply (a retained
 * request must not make a retained reply).
 */
function mqttRequest(replyTo) {
    return [
        set("device", "$split(topic, \"/\")[1]", "jsonata"),
        { t: "move", p: "payload", pt: "msg", to: "request", tot: "msg" },
        set(replyTo, REPLY_TOPIC, "jsonata"),
        set("correlationData", CORRELATION_DATA, "jsonata"),
        del("responseTopic"), del("retain"), del("qos"), del("userProperties"), del("contentType"),
        del("messageExpiryInterval"), del("payloadFormatIndicator")
    ];
}

/** The broker, from the environment (as the MySQL flows' database); user and password are credentials. */
function broker(id) {
    return {
        id, type: "mqtt-broker", name: "wsn broker", broker: "${WSN_MQTT_URL}", port: "", clientid: "",
        autoConnect: true, usetls: false, protocolVersion: "5", keepalive: "60", cleansession: true, autoUnsubscribe: true,
        birthTopic: "", birthQos: "0", birthRetain: "false", birthPayload: "", birthMsg: {},
        closeTopic: "", closeQos: "0", closeRetain: "false", closePayload: "", closeMsg: {},
        willTopic: "", willQos: "0", willRetain: "false", willPayload: "", willMsg: {},
        userProps: "", sessionExpiry: "",
        credentials: { user: "${WSN_MQTT_USER}", password: "${WSN_MQTT_PASSWORD}" }
    };
}

const MQTT_DIALECTS = [
    Object.assign({}, DIALECTS[0], {
        file: "wsn-mqtt-sqlite.json",
        idPrefix: "d",
        transport: "mqtt",
        tab: { id: "a1f0c0de00000003", type: "tab", label: "wsn-crypto (MQTT, SQLite)", disabled: false, info: "Encrypted, replay-protected data logging over MQTT: devices publish to wsn/<id>/up, replies go to wsn/<id>/down. See the package README, \"MQTT\".\nBroker: environment variables WSN_MQTT_URL, WSN_MQTT_USER, WSN_MQTT_PASSWORD. Database path: WSN_DB." },
        database: { id: "a1f0c0de000000d3", type: "sqlitedb", db: "${WSN_DB}", mode: "RWC" },
        kek: { id: "a1f0c0de000000e3", type: "wsn-kek", name: "", source: "env", variable: "WSN_KEK", file: "" },
        broker: broker("a1f0c0de000000b3"),
        replyTo: "topic",
        subscription: MQTT_UP,
        mqttRequest: mqttRequest("topic"),
        deviceQuery: [set("params", "{}", "json"), set("params.$id", "device", "msg")],
        storeInfo: "Accepted only with a SEQN above the stored one; the row and the new SEQN are written in one statement. QoS 1 redeliveries and a device's retries are replays: stored once, answered with the refusal."
    }),
    Object.assign({}, DIALECTS[1], {
        file: "wsn-mqtt-mysql.json",
        idPrefix: "e",
        transport: "mqtt",
        tab: { id: "a1f0c0de00000004", type: "tab", label: "wsn-crypto (MQTT, MySQL/MariaDB)", disabled: false, info: "Encrypted, replay-protected data logging over MQTT on MySQL/MariaDB: devices publish to wsn/<id>/up, replies go to wsn/<id>/down. See the package README, \"MQTT\".\nBroker: environment variables WSN_MQTT_URL, WSN_MQTT_USER, WSN_MQTT_PASSWORD. Schema: flows/schema-mysql.sql. Connection: WSN_MYSQL_HOST, WSN_MYSQL_PORT, WSN_MYSQL_DATABASE, WSN_MYSQL_USER, WSN_MYSQL_PASSWORD." },
        database: Object.assign({}, DIALECTS[1].database, { id: "a1f0c0de000000d4" }),
        kek: Object.assign({}, DIALECTS[1].kek, { id: "a1f0c0de000000e4" }),
        broker: broker("a1f0c0de000000b4"),
        // msg.topic carries the SQL to the mysql node.
        replyTo: "replyTopic",
        // Several instances share the database: a shared subscription hands
        // each request to one of them (a plain one would give every instance
        // every request, and the device an answer from each).
        subscription: `$share/wsn-backend/${MQTT_UP}`,
        mqttRequest: mqttRequest("replyTopic"),
        deviceQuery: [set("topic", MYSQL_SQL.device, "str"), set("payload", "{}", "json"), set("payload.id", "device", "msg")],
        storeInfo: DIALECTS[1].storeInfo + " QoS 1 redeliveries and a device's retries are replays: stored once, answered with the refusal."
    })
];

/** The nodes of one flows file. */
function build(dialect) {
    const TAB = dialect.tab.id;
    const DB = dialect.database.id;
    const mqtt = dialect.transport === "mqtt";
    const nodes = [dialect.tab, dialect.database, dialect.kek].concat(mqtt ? [dialect.broker] : []);
    // Ids distinct between the dialects, so that both files can be imported side by side.
    const { id, group } = layout(nodes, TAB, dialect.idPrefix);

    const httpIn = (name, method, url) => ({ id: id("0"), type: "http in", name, url, method, upload: false, swaggerDoc: "", wires: [] });
    const httpResponse = () => ({ id: id("1"), type: "http response", name: "", statusCode: "", headers: {}, wires: [] });
    // Replies at QoS 1, never retained; the topic is the one msg.topic holds.
    const mqttOut = () => ({ id: id("1"), type: "mqtt out", name: "", topic: "", qos: "1", retain: "false", respTopic: "", contentType: "", userProps: "", correl: "", expiry: "", broker: dialect.broker.id, wires: [] });
    /**
     * Where an answer goes, placed at column c, row r of group g: the HTTP
     * response, or a publish on the reply topic. The mysql node reads its
     * SQL from msg.topic, so on MySQL the reply topic waits in msg.replyTopic
     * and a change node puts it back before the publish (one column more).
     * Returns the node to wire the answer to.
     */
    function respond(g, c, r) {
        if (!mqtt) { return g.add(httpResponse(), c, r); }
        if (dialect.replyTo === "topic") { return g.add(mqttOut(), c, r); }
        const back = g.add(change("Reply topic", [set("topic", dialect.replyTo, "msg")]), c, r);
        wire(back, [g.add(mqttOut(), c + 1, r)]);
        return back;
    }
    const change = (name, rules) => ({ id: id("7"), type: "change", name, rules, wires: [] });
    const comment = (name, info) => ({ id: id("8"), type: "comment", name, info, wires: [] });
    const query = (name, sql) => Object.assign(dialect.query(id, DB, name, sql), { wires: [] });
    // Over MQTT the body and the device id are where the first change node put them.
    const body = mqtt ? "request" : DECRYPT.body;
    const deviceId = mqtt ? "device" : DECRYPT.deviceId;
    function decrypt(name, endpoint) {
        const outputs = DECRYPT_OUTPUTS[endpoint].length;
        return {
            id: id("4"), type: "wsn-decrypt", name, key: DECRYPT.key, keyType: DECRYPT.keyType, body, stored: DECRYPT.stored,
            policy: DECRYPT.policy, endpoint, params: dialect.params, maxLength: DECRYPT.maxLength, deviceId,
            formats: DECRYPT.formats, formatsType: DECRYPT.formatsType, kek: dialect.kek.id, outputs, wires: []
        };
    }
    /**
     * A wsn encrypt node with no message given: it builds the standard reply.
     * After wsn decrypt the key and formats are the ones it kept in msg.wsn;
     * a GET reads them from the device row.
     */
    function encrypt(name, afterDecrypt, extra) {
        return Object.assign({
            id: id("5"), type: "wsn-encrypt", name, key: afterDecrypt ? "wsn.key" : ENCRYPT.key, keyType: "msg", message: ENCRYPT.message,
            format: ENCRYPT.format, deviceId, formats: afterDecrypt ? "wsn.formats" : ENCRYPT.formats, formatsType: "msg",
            seqn: ENCRYPT.seqn, lost: ENCRYPT.lost, kek: dialect.kek.id, wires: []
        }, extra || {});
    }
    /** Routes the database's answer: taken, or lost to a concurrent request. */
    const stored = () => ({ id: id("6"), type: "switch", name: "stored?", property: dialect.taken.property, propertyType: "msg", rules: [{ t: "eq", v: dialect.taken.value, vt: dialect.taken.vt }, { t: "else" }], checkall: "false", repair: false, outputs: 2, wires: [] });

    /**
     * From wsn decrypt's write output at column c of group g: the write, the
     * check that it was taken and the ack on the line; a lost write's refusal
     * on the row below, sealed by wsn encrypt with the SEQN stored now, into
     * its own http response.
     */
    function write(g, c, r, name, sql) {
        let col = c;
        const before = dialect.writeQuery ? g.add(change(`${name} query`, dialect.writeQuery(sql)), col++, r) : null;
        const db = g.add(query(name, sql), col++, r);
        if (before) { wire(before, [db]); }
        const check = g.add(stored(), col++, r);
        const ack = g.add(encrypt("Encrypt ack", true, { lost: dialect.lost }), col, r);
        const ok = respond(g, col + 1, r);
        wire(db, [check]);
        wire(ack, [ok], [ok]);
        const refused = [set("wsn.refused", "true", "bool")];
        let mark;
        let beforeSeal;
        let sealColumn = col + 1;
        if (dialect.seqnNow) {
            // The write's own parameters would be refused by the device query
            // (extra names): the device query's own, as at the start.
            mark = g.add(change("Refused", refused.concat(dialect.deviceQuery)), col, r + 1);
            const seqnNow = g.add(query("SEQN now", "device"), col + 1, r + 1);
            wire(mark, [seqnNow]);
            beforeSeal = seqnNow;
            sealColumn = col + 2;
        } else {
            mark = g.add(change("Refused", refused), col, r + 1);
            beforeSeal = mark;
        }
        const seal = g.add(encrypt("Encrypt refusal", true, { seqn: dialect.refusalSeqn }), sealColumn, r + 1);
        const refusedOk = respond(g, sealColumn + 1, r + 1);
        wire(beforeSeal, [seal]);
        wire(seal, [refusedOk], [refusedOk]);
        wire(check, [ack], [mark]);
        return before || db;
    }
    /** The start of every endpoint: the device row of the id in the URL. */
    function deviceRow(g, r, method, url, name) {
        const start = g.add(httpIn(name, method, url), 0, r);
        const params = g.add(change("Device id", dialect.deviceQuery), 1, r);
        const get = g.add(query("Get device", "device"), 2, r);
        wire(start, [params]);
        wire(params, [get]);
        return get;
    }

    if (mqtt) {
        mqttGroup();
    } else {
        httpGroups();
    }
    /**
     * MQTT: one topic for every request. An unknown device gets no reply
     * (nobody who could read one is there); an empty payload is the legacy
     * SEQN query (GET /wsn/:id over HTTP); any other goes to the decrypt
     * node, which tells the kinds apart (endpoint "any").
     */
    function mqttGroup() {
        const g = group(`MQTT ${MQTT_UP}: SEQN query, reset or data; replies on wsn/<id>/down`);
        g.add(comment(`MQTT ${MQTT_UP}`, "Every request a device makes over HTTP, on one topic: an authenticated query, reset or data message, a passphrase reset ({\"SEQN\":n}) or data message, a raw data message, or an empty payload for the legacy SEQN query. The answer is what HTTP would send as its body, published on wsn/<id>/down (or on the MQTT 5 response topic the request names, if it is inside wsn/<id>/down/), with the request's correlation data. Unknown devices get no answer. " + dialect.storeInfo), 0, 0);
        // rh 2: no retained message at subscription (a retained request
        // would come back at every reconnection, refused as a replay).
        // Subscribed at QoS 0. The guarantee is the device's: it publishes at
        // QoS 1 and resends until it has an ack, which comes only once the
        // row is stored (a second copy is a replay). QoS 1 here would add
        // nothing a clean session keeps over a disconnection, and its PUBACK
        // makes Node-RED's reply wait for the broker's delayed ACK (mqtt.js
        // leaves Nagle on): 44 ms a request on loopback against 3 ms.
        const start = g.add({ id: id("0"), type: "mqtt in", name: "device requests", topic: dialect.subscription, qos: "0", datatype: "utf8", broker: dialect.broker.id, nl: true, rap: true, rh: 2, inputs: 0, wires: [] }, 0, 2);
        const params = g.add(change("Device id, reply topic", dialect.mqttRequest.concat(dialect.deviceQuery)), 1, 2);
        const get = g.add(query("Get device", "device"), 2, 2);
        const route = g.add({
            id: id("6"), type: "switch", name: "device? query?", property: "payload", propertyType: "msg",
            rules: [{ t: "empty" }, { t: "jsonata_exp", v: "request = \"\"", vt: "jsonata" }, { t: "else" }],
            checkall: "false", repair: false, outputs: 3, wires: [],
            // The first output is left unwired on purpose; its label says why.
            outputLabels: ["unknown device: no answer", "empty payload: the legacy SEQN query", "a request"]
        }, 3, 2);
        const seal = g.add(encrypt("Encrypt SEQN (legacy)", false), 4, 1);
        const sealOk = respond(g, 5, 1);
        const open = g.add(decrypt("Decrypt request", "any"), 4, 3);
        const seqn = g.add(encrypt("Encrypt SEQN", true), 5, 2);
        const seqnOk = respond(g, 6, 2);
        const reset = write(g, 5, 3, "Set SEQN", "reset");
        const store = write(g, 5, 5, "Store data", "store");
        const refusedOk = respond(g, 5, 7);
        wire(start, [params]);
        wire(params, [get]);
        wire(route, [], [seal], [open]);
        wire(get, [route]);
        wire(seal, [sealOk], [sealOk]);
        wire(seqn, [seqnOk], [seqnOk]);
        wire(open, [seqn], [reset], [store], [refusedOk]);
        g.close();
    }

    function httpGroups() {
    // GET /wsn/:id -> encrypted {"SEQN":n} (the article's case 1; legacy formats only)
    {
        const g = group("GET /wsn/:id: the SEQN, encrypted (legacy formats)");
        g.add(comment("GET /wsn/:id", "Case 1 of the article: the device asks for its sequence number, answered in the passphrase format (?format=raw: the raw format). Unauthenticated and replayable, so a device restricted to the authenticated format gets 403 here and asks with a sealed query on POST /wsn/:id instead."), 0, 0);
        const get = deviceRow(g, 1, "get", "/wsn/:id", "getSensorSEQN");
        const seal = g.add(encrypt("Encrypt SEQN", false), 3, 1);
        const ok = g.add(httpResponse(), 4, 1);
        wire(get, [seal]);
        wire(seal, [ok], [ok]);
        g.close();
    }

    // POST /wsn/:id: an authenticated SEQN query (the line above), or a SEQN
    // reset (cases 2 and 3); refusals on the rows below.
    {
        const g = group("POST /wsn/:id: SEQN query (auth) or reset (forward only)");
        g.add(comment("POST /wsn/:id", "Cases 2 and 3 of the article, and the authenticated SEQN query. A reset moves the SEQN forward only (the Decrypt node's 'any' policy restores the article's replayable reset for the passphrase format alone); the raw format cannot reset at all, its IV makes any captured ciphertext's first block rewritable."), 0, 0);
        const get = deviceRow(g, 2, "post", "/wsn/:id", "setSensorSEQN");
        const open = g.add(decrypt("Decrypt request", "seqn"), 3, 2);
        const seqn = g.add(encrypt("Encrypt SEQN", true), 4, 1);
        const seqnOk = g.add(httpResponse(), 5, 1);
        wire(seqn, [seqnOk], [seqnOk]);
        const reset = write(g, 4, 2, "Set SEQN", "reset");
        const refusedOk = g.add(httpResponse(), 4, 3);
        wire(get, [open]);
        wire(open, [seqn], [reset], [refusedOk]);
        g.close();
    }

    // POST /data/:id with encrypted {"data":{...},"SEQN":n} -> one Data row
    {
        const g = group("POST /data/:id: log data");
        g.add(comment("POST /data/:id", dialect.storeInfo), 0, 0);
        const get = deviceRow(g, 1, "post", "/data/:id", "logSensorData");
        const open = g.add(decrypt("Decrypt request", "data"), 3, 1);
        const store = write(g, 4, 1, "Store data", "store");
        const refusedOk = g.add(httpResponse(), 4, 2);
        wire(get, [open]);
        wire(open, [store], [refusedOk]);
        g.close();
    }

    }

    // Database errors produce no output message from the database node; answer them here.
    {
        const g = group(`Database errors: ${SERVER_ERROR.status}`);
        const scope = nodes.filter((n) => n.type === dialect.dbType || n.type === "change").map((n) => n.id);
        const caught = g.add({ id: id("9"), type: "catch", name: "database errors", scope, uncaught: false, wires: [] }, 0, 0);
        // Only a generic answer: the message may carry the device row.
        const generic = g.add(change(`${SERVER_ERROR.status}, nothing more`, [set("statusCode", String(SERVER_ERROR.status), "num"), set("payload", SERVER_ERROR.body, "json"), del("wsn")]), 1, 0);
        const res = respond(g, 2, 0);
        wire(caught, [generic]);
        wire(generic, [res]);
        g.close();
    }
    return nodes;
}

/**
 * Outputs that refuse (not part of a success path): wsn decrypt's last,
 * wsn encrypt's second, and the "stored?" switch's else.
 */
function refusalOutput(node, index) {
    if (node.type === "wsn-decrypt") { return index === node.wires.length - 1; }
    if (node.type === "wsn-encrypt") { return index === 1; }
    if (node.type === "switch" && node.name === "stored?") { return index === node.rules.length - 1; }
    return false;
}

/**
 * The figures of a flows file, measured on its JSON: nodes (flow nodes, no
 * tab, group or configuration node), function nodes, wires, wires whose
 * target is not right of their source, groups, and per http in (or mqtt in)
 * node the success paths to an http response (or mqtt out; nodes strictly
 * between).
 */
function figures(flow) {
    const byId = new Map(flow.map((n) => [n.id, n]));
    const flowNodes = flow.filter((n) => Array.isArray(n.wires));
    let wires = 0;
    let rightToLeft = 0;
    for (const n of flowNodes) {
        for (const targets of n.wires) {
            for (const t of targets) {
                wires += 1;
                if (!(byId.get(t).x > n.x)) { rightToLeft += 1; }
            }
        }
    }
    const paths = [];
    for (const start of flowNodes.filter((n) => n.type === "http in" || n.type === "mqtt in")) {
        const endpoint = start.type === "mqtt in" ? `MQTT ${start.topic}` : `${start.method.toUpperCase()} ${start.url}`;
        (function walk(node, between) {
            if (node.type === "http response" || node.type === "mqtt out") {
                paths.push({ endpoint, between: between.length - 1, names: between.slice(1).map((n) => n.name || n.type) });
                return;
            }
            node.wires.forEach(function (targets, index) {
                if (refusalOutput(node, index)) { return; }
                for (const t of new Set(targets)) { walk(byId.get(t), between.concat([node])); }
            });
        })(start, []);
    }
    return {
        nodes: flowNodes.length,
        functionNodes: flowNodes.filter((n) => n.type === "function").length,
        wires,
        rightToLeft,
        groups: flow.filter((n) => n.type === "group").length,
        successPaths: paths
    };
}

function printFigures(name, f) {
    console.log(`${name}: ${f.nodes} nodes, ${f.functionNodes} function nodes, ${f.groups} groups, ${f.wires} wires, ${f.rightToLeft} right to left`);
    for (const p of f.successPaths) {
        console.log(`  ${p.endpoint}: ${p.between} nodes between the request and its answer (${p.between + 2} with them): ${p.names.join(" > ")}`);
    }
}

function main() {
    const root = path.join(__dirname, "..");
    const figuresOf = process.argv.indexOf("--figures");
    if (figuresOf > 0) {
        const file = process.argv[figuresOf + 1];
        printFigures(path.basename(file), figures(JSON.parse(fs.readFileSync(file, "utf8"))));
        return;
    }
    const check = process.argv.includes("--check");
    const stale = [];
    let written = 0;
    const files = DIALECTS.concat(MQTT_DIALECTS).map((dialect) => ({ file: dialect.file, nodes: build(dialect) }))
        .concat(fleetDashboard.DIALECTS.map((d) => ({ file: d.file, nodes: fleetDashboard.build(d) })));
    for (const { file: name, nodes } of files) {
        const text = JSON.stringify(nodes, null, 2) + "\n";
        const targets = [path.join(root, "flows", name), path.join(root, "examples", name)];
        for (const file of targets) {
            if (check) {
                if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) { stale.push(file); }
            } else {
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, text);
                written += 1;
            }
        }
        if (!check) { printFigures(`make-flows: ${name}`, figures(JSON.parse(text))); }
    }
    if (stale.length) {
        console.error(`make-flows: out of date: ${stale.join(", ")} (run node scripts/make-flows.js)`);
        process.exit(1);
    }
    if (!check) { console.log(`make-flows: wrote ${written} files`); }
}

if (require.main === module) { main(); }

module.exports = { DIALECTS, MQTT_DIALECTS, build, figures, refusalOutput };
