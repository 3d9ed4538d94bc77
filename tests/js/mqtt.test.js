"use strict";
// The MQTT flows (flows/wsn-mqtt-sqlite.json, Node-RED's own mqtt in / mqtt
// out) against a real broker: Debian's mosquitto, installed if missing and
// started by scripts/lib/mosquitto.js on 127.0.0.1 with a password file and
// the example ACL (flows/mosquitto/acl) as it ships. The packed tarball in a
// real Node-RED with the real SQLite node; devices are mqtt.js clients that
// seal their requests without this package (helpers/device.js,
// helpers/auth-reference.js). Every request kind and format as over HTTP,
// MQTT 5 response topics, QoS 0 and 1, a flood of identical publishes, bad
// payloads, unknown devices, the ACL, and a broker restart mid-stream.

const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
const should = require("should");

const backend = require("../../scripts/lib/backend.js");
const mosquitto = require("../../scripts/lib/mosquitto.js");
const mariadb = require("../../scripts/lib/mariadb.js");
const device = require("./helpers/device.js");
const mqttDevice = require("./helpers/mqtt-device.js");
const { runCli } = require("./helpers/cli.js");
const sketchHost = require("./helpers/sketch-host.js");
const { until } = require("./helpers/until.js");
const { dataMessage } = device;
const { requestBody: authBody, openReply: openAuthReply } = require("./helpers/auth-reference.js");
const { ARTICLE, ARTICLE_SET_SEQN_BODY, FIRMWARE_MESSAGE, ALL_FORMATS } = require("./helpers/article.js");

const FLOWS = path.join(backend.ROOT, "flows", "wsn-mqtt-sqlite.json");
const randomKey = () => crypto.randomBytes(16).toString("hex");
const password = () => crypto.randomBytes(12).toString("base64url");
const FLOOD_COPIES = Number(process.env.WSN_E2E_FLOOD) || 500;

const DEVICES = {
    article: Object.assign({}, ARTICLE),
    firmware: { id: "ESP1", key: "603DEB1015CA71BE2B73AEF0857D7781", seqn: 3, formats: ALL_FORMATS },
    auth: { id: "A0A1", key: randomKey(), seqn: 0 },
    replyTo: { id: "A0A2", key: randomKey(), seqn: 0 },
    flood: { id: "F100", key: randomKey(), seqn: 0 },
    qos0: { id: "Q000", key: randomKey(), seqn: 0 },
    bad: { id: "B000", key: randomKey(), seqn: 0, formats: ALL_FORMATS },
    authOnlyGet: { id: "A0A3", key: randomKey(), seqn: 0 },
    rules: { id: "R100", key: randomKey(), seqn: 0, formats: ALL_FORMATS },
    locked: { id: "L000", key: randomKey(), seqn: 0, formats: "" },
    victim: { id: "V600", key: randomKey(), seqn: 0 },
    attacker: { id: "X700", key: randomKey(), seqn: 0 },
    stream: { id: "S800", key: randomKey(), seqn: 0 },
    probe: { id: "P000", key: randomKey(), seqn: 0, formats: "passphrase" },
    cliAuth: { id: "C100", key: randomKey(), seqn: 0 },
    board: { id: "E320", key: randomKey(), seqn: 0 },
    cliLegacy: { id: "C200", key: randomKey(), seqn: 0, formats: ALL_FORMATS }
};
// The MariaDB flows' devices, in their own database only: a device known to
// both backends would be answered by both.
const MYSQL_DEVICES = {
    mysqlAuth: { id: "M100", key: randomKey(), seqn: 0 },
    mysqlLegacy: { id: "M200", key: randomKey(), seqn: 0, formats: ALL_FORMATS },
    mysqlFlood: { id: "M300", key: randomKey(), seqn: 0 }
};
// Logs in to the broker but has no row in the database.
const STRANGER = { id: "U404", mqttPassword: password() };

let workDir;
let dbFile;
let backendPassword;
let broker;
let server;
const clients = [];

async function connect(dev, options) {
    const client = await mqttDevice.connect(broker.url, dev, options);
    clients.push(client);
    return client;
}

const rows = (id) => backend.query(dbFile, "SELECT dataSEQN, dataLost, dataJSON FROM Data WHERE deviceID = ? ORDER BY dataSEQN", [id]);
const storedSeqn = async (id) => (await backend.query(dbFile, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", [id]))[0].deviceSQN;

/**
 * Publishes `copies` copies of one authenticated data message at once and
 * counts the answers by what they say: {ack: n, <refusal code>: n}.
 */
async function flood(client, dev, seqn, copies) {
    const { text, tag } = authBody(dev, "data", seqn, { data: { value: seqn } });
    await Promise.all(Array.from({ length: copies }, () => client.publish(text)));
    const kinds = {};
    for (let i = 0; i < copies; i++) {
        const r = openAuthReply(dev, (await client.next(30000)).text, tag);
        const key = r.kind === "ack" ? "ack" : r.message.error;
        kinds[key] = (kinds[key] || 0) + 1;
    }
    return kinds;
}

/** A request in the authenticated format and the check of its sealed reply. */
async function authExchange(client, dev, kind, seqn, message) {
    const { text, tag } = authBody(dev, kind, seqn, message);
    const reply = await client.request(text);
    return Object.assign({ reply }, openAuthReply(dev, reply.text, tag));
}

describe("MQTT: the shipped MQTT flows, a real mosquitto, the packed tarball in a real Node-RED", function () {
    this.timeout(60000);

    before(async function () {
        this.timeout(600000);
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-mqtt-"));
        backendPassword = password();
        const users = { "wsn-backend": backendPassword, [STRANGER.id]: STRANGER.mqttPassword };
        for (const dev of Object.values(DEVICES).concat(Object.values(MYSQL_DEVICES))) {
            dev.mqttPassword = password();
            users[dev.id] = dev.mqttPassword;
        }
        broker = await mosquitto.start({ dir: path.join(workDir, "broker"), users });
        const tarball = backend.packTarball(path.join(workDir, "pack"));
        dbFile = path.join(workDir, "wsn.db");
        const dir = path.join(workDir, "node-red");
        await backend.prepareUserDir({ dir, db: dbFile, install: tarball, flowsFile: FLOWS, devices: Object.values(DEVICES) });
        server = await backend.startNodeRed({
            dir, db: dbFile, logLevel: "info",
            env: { WSN_MQTT_URL: broker.url, WSN_MQTT_USER: "wsn-backend", WSN_MQTT_PASSWORD: backendPassword }
        });
        // The flows have started; the mqtt in node subscribes on its own time.
        // Ready once the probe device's legacy SEQN query is answered.
        const probe = await connect(DEVICES.probe);
        await until(async function () {
            await probe.publish("");
            return probe.next(1000);
        }, { timeout: 30000, interval: 0, what: "the MQTT flows to answer the probe device" });
    });

    after(async function () {
        this.timeout(60000);
        for (const client of clients.splice(0)) { await client.end().catch(() => {}); }
        if (server) { await server.stop("SIGTERM"); }
        if (broker) { await broker.stop(); }
        if (this.currentTest && this.currentTest.state === "failed") {
            console.log(server.log().slice(-4000));
        }
        fs.rmSync(workDir, { recursive: true, force: true });
    });

    describe("the article's and the firmware's formats, as over HTTP", function () {
        it("answers an empty payload (the legacy SEQN query, GET /wsn/:id over HTTP) with the stored SEQN, encrypted", async function () {
            const dev = DEVICES.article;
            const client = await connect(dev);
            const reply = await client.request("");
            reply.topic.should.equal(`wsn/${dev.id}/down`);
            reply.retain.should.be.false();
            device.openReply(reply.text, dev.key).should.eql({ format: "passphrase", message: { SEQN: 0 } });
        });

        it("takes the article's reset {\"SEQN\":120}, then data above it; a replay is refused and stored nothing", async function () {
            const dev = DEVICES.article;
            const client = await connect(dev);
            let reply = await client.request(ARTICLE_SET_SEQN_BODY);
            device.openReply(reply.text, dev.key).message.should.eql({ SEQN: 120, ack: true });
            (await storedSeqn(dev.id)).should.equal(120);
            const body = device.passphraseBody(dataMessage(125, 300), dev.key);
            reply = await client.request(body);
            device.openReply(reply.text, dev.key).message.should.eql({ SEQN: 125, ack: true, lost: 4 });
            reply = await client.request(body);
            JSON.parse(reply.text).should.eql({ error: "replay" });
            (await rows(dev.id)).should.eql([{ dataSEQN: 125, dataLost: 4, dataJSON: "{\"value\":300}" }]);
        });

        it("stores the ESP8266 firmware's raw-format message as written, and refuses a raw reset", async function () {
            const dev = DEVICES.firmware;
            const client = await connect(dev);
            let reply = await client.request(device.rawBody(FIRMWARE_MESSAGE, dev.key));
            const opened = device.openReply(reply.text, dev.key);
            opened.format.should.equal("raw");
            opened.message.should.eql({ SEQN: 4, ack: true, lost: 0 });
            reply = await client.request(device.rawBody({ SEQN: 50 }, dev.key));
            JSON.parse(reply.text).should.eql({ error: "format_not_allowed" });
            (await storedSeqn(dev.id)).should.equal(4);
            (await rows(dev.id)).map((r) => r.dataSEQN).should.eql([4]);
        });

        it("answers a device kept to the authenticated format format_not_allowed on the legacy query", async function () {
            const client = await connect(DEVICES.authOnlyGet);
            JSON.parse((await client.request("")).text).should.eql({ error: "format_not_allowed" });
        });
    });

    describe("the authenticated format", function () {
        it("answers a query, a reset and data with sealed replies bound to each request; a replay gets a sealed refusal", async function () {
            const dev = DEVICES.auth;
            const client = await connect(dev);
            let r = await authExchange(client, dev, "query", 0);
            [r.kind, r.message].should.eql(["seqn", { SEQN: 0 }]);
            r = await authExchange(client, dev, "reset", 10);
            [r.kind, r.seqn].should.eql(["ack", 10]);
            r = await authExchange(client, dev, "data", 12, { data: { value: 21.5 } });
            [r.kind, r.message].should.eql(["ack", { SEQN: 12, ack: true, lost: 1 }]);
            r = await authExchange(client, dev, "data", 12, { data: { value: 21.5 } });
            [r.kind, r.message].should.eql(["refusal", { error: "replay", SEQN: 12 }]);
            (await rows(dev.id)).should.eql([{ dataSEQN: 12, dataLost: 1, dataJSON: "{\"value\":21.5}" }]);
        });

        it("honours an MQTT 5 response topic inside wsn/<id>/down/ with the request's correlation data, and no other", async function () {
            const dev = DEVICES.replyTo;
            const client = await connect(dev);
            const correlationData = crypto.randomBytes(8);
            let { text, tag } = authBody(dev, "data", 1, { data: { value: 1 } });
            let reply = await client.request(text, { properties: { responseTopic: `wsn/${dev.id}/down/r1`, correlationData } });
            reply.topic.should.equal(`wsn/${dev.id}/down/r1`);
            Buffer.from(reply.properties.correlationData).equals(correlationData).should.be.true();
            should.not.exist(reply.properties.responseTopic);
            openAuthReply(dev, reply.text, tag).kind.should.equal("ack");
            // Another device's topic, a wildcard, a prefix that is not a level: the fixed topic.
            let seqn = 2;
            for (const responseTopic of [`wsn/${DEVICES.victim.id}/down`, `wsn/${dev.id}/down/+`, `wsn/${dev.id}/downstairs`, "elsewhere"]) {
                ({ text, tag } = authBody(dev, "data", seqn++, { data: { value: 1 } }));
                reply = await client.request(text, { properties: { responseTopic, correlationData } });
                reply.topic.should.equal(`wsn/${dev.id}/down`, responseTopic);
                openAuthReply(dev, reply.text, tag).kind.should.equal("ack");
            }
        });

        it("takes requests published at QoS 0 and answers them (the reply at the subscription's QoS)", async function () {
            const dev = DEVICES.qos0;
            const client = await connect(dev, { qos: 0 });
            const { text, tag } = authBody(dev, "data", 1, { data: { value: 7 } });
            const reply = await client.request(text, { qos: 0 });
            reply.qos.should.equal(0);
            openAuthReply(dev, reply.text, tag).message.should.eql({ SEQN: 1, ack: true, lost: 0 });
            (await rows(dev.id)).length.should.equal(1);
        });

        it(`stores a flood of ${FLOOD_COPIES} identical QoS 1 publishes once: one ack, every other a sealed replay refusal`, async function () {
            this.timeout(120000);
            const dev = DEVICES.flood;
            const client = await connect(dev);
            (await flood(client, dev, 5, FLOOD_COPIES)).should.eql({ ack: 1, replay: FLOOD_COPIES - 1 });
            (await rows(dev.id)).length.should.equal(1);
            (await storedSeqn(dev.id)).should.equal(5);
        });
    });

    describe("the rules HTTP applies, over MQTT", function () {
        it("keeps resets forward-only, refuses a raw SEQN the IV could rewrite, a wrong key, and a locked device, storing nothing", async function () {
            const dev = DEVICES.rules;
            const client = await connect(dev);
            (await authExchange(client, dev, "reset", 50)).kind.should.equal("ack");
            let r = await authExchange(client, dev, "reset", 40);
            [r.kind, r.message].should.eql(["refusal", { error: "stale", SEQN: 50 }]);
            JSON.parse((await client.request(device.passphraseBody({ SEQN: 30 }, dev.key))).text).should.eql({ error: "stale" });
            // The SEQN in the raw message's first cipher block.
            JSON.parse((await client.request(device.rawBody("{\"SEQN\":60,\"data\":{}}", dev.key))).text).should.eql({ error: "malleable_seqn" });
            // Sealed under another key: one answer for every failure, unsealed.
            const other = { id: dev.id, key: randomKey() };
            JSON.parse((await client.request(authBody(other, "data", 61, { data: {} }).text)).text).should.eql({ error: "cannot_decrypt" });
            (await storedSeqn(dev.id)).should.equal(50);
            (await rows(dev.id)).should.eql([]);
            const locked = await connect(DEVICES.locked);
            JSON.parse((await locked.request(authBody(DEVICES.locked, "data", 1, { data: {} }).text)).text).should.eql({ error: "format_not_allowed" });
            (await rows(DEVICES.locked.id)).should.eql([]);
        });
    });

    describe("bad payloads and strangers", function () {
        it("answers malformed and oversized payloads with the HTTP body's error on the device's topic, and stores nothing", async function () {
            const dev = DEVICES.bad;
            const client = await connect(dev);
            const cases = [
                ["not json", "bad_json"],
                ["{\"msg\":", "bad_json"],
                ["[1,2]", "bad_format"],
                ["{\"iv\":\"AAAA\"}", "bad_format"],
                [device.passphraseBody(dataMessage(1, 1), "2B7E151628AED2A6ABF7158809CF4F3D"), "cannot_decrypt"],
                [JSON.stringify({ msg: "x".repeat(17000) }), "too_large"],
                [Buffer.from([0xff, 0xfe, 0x7b]), "bad_json"]
            ];
            for (const [payload, code] of cases) {
                const reply = await client.request(payload);
                JSON.parse(reply.text).error.should.equal(code, String(payload).slice(0, 40));
            }
            (await rows(dev.id)).should.eql([]);
            (await storedSeqn(dev.id)).should.equal(0);
        });

        it("drops a publish larger than the broker's max_packet_size before Node-RED sees it, and keeps serving the device", async function () {
            const dev = DEVICES.bad;
            const client = await connect(dev);
            const closed = new Promise((resolve) => client.client.once("close", resolve));
            // QoS 0: a QoS 1 publish would stay in the client's store and be
            // sent again, and refused again, at every reconnection.
            await client.publish("x".repeat(mosquitto.MAX_PACKET_SIZE + 1), { qos: 0 });
            // The broker closes the connection; the client reconnects by itself.
            await closed;
            await until(() => client.client.connected, { timeout: 10000, what: "the device to reconnect" });
            const reply = await client.request(device.passphraseBody(dataMessage(1, 1), dev.key));
            device.openReply(reply.text, dev.key).message.should.eql({ SEQN: 1, ack: true, lost: 0 });
        });

        it("drops a long correlation data and a long response topic, so that no answer can outgrow the broker's packet limit", async function () {
            const dev = DEVICES.bad;
            const client = await connect(dev);
            // A request just under the limit, nearly all of it correlation data.
            const correlationData = crypto.randomBytes(mosquitto.MAX_PACKET_SIZE - 200);
            let reply = await client.request("", { properties: { correlationData, responseTopic: `wsn/${dev.id}/down/${"x".repeat(150)}` } });
            reply.topic.should.equal(`wsn/${dev.id}/down`);
            should.not.exist(reply.properties.correlationData);
            // The backend kept its connection: the next request is answered, with short correlation data echoed.
            const short = crypto.randomBytes(16);
            reply = await client.request("", { properties: { correlationData: short } });
            Buffer.from(reply.properties.correlationData).equals(short).should.be.true();
        });

        it("refuses a retained request at the broker (retain_available false), and the backend stays up", async function () {
            const dev = DEVICES.bad;
            const client = await connect(dev);
            const closed = new Promise((resolve) => client.client.once("close", resolve));
            await client.publish("", { qos: 0, retain: true });
            await closed;
            await until(() => client.client.connected, { timeout: 10000, what: "the device to reconnect" });
            device.openReply((await client.request("")).text, dev.key).format.should.equal("passphrase");
        });

        it("does not answer a device the database does not know (nobody could read the answer) and stores nothing", async function () {
            const stranger = await connect(STRANGER);
            await stranger.publish(authBody({ id: STRANGER.id, key: randomKey() }, "data", 1, { data: {} }).text);
            // Two answered requests of another device later, the stranger's answer would have come.
            const probe = await connect(DEVICES.probe);
            await probe.request("");
            await probe.request("");
            stranger.pending().should.equal(0);
            (await backend.query(dbFile, "SELECT COUNT(*) AS n FROM Data WHERE deviceID = ?", [STRANGER.id]))[0].n.should.equal(0);
        });
    });

    describe("the broker's ACL (flows/mosquitto/acl, as shipped)", function () {
        it("refuses a device publishing as another and subscribing to another's replies; the victim's SEQN stays", async function () {
            const attacker = await connect(DEVICES.attacker);
            const victim = DEVICES.victim;
            const { text } = authBody(DEVICES.attacker, "reset", 99);
            const refused = await attacker.publish(text, { topic: `wsn/${victim.id}/up` }).then(() => null, (err) => err);
            should.exist(refused, "the broker took a publish on another device's topic");
            refused.message.should.match(/Not authorized/);
            // mosquitto grants the subscription and withholds every message the
            // ACL does not let the client read.
            const stolen = [];
            attacker.client.on("message", (topic) => { if (topic.startsWith(`wsn/${victim.id}/`)) { stolen.push(topic); } });
            await attacker.client.subscribeAsync(`wsn/${victim.id}/down/#`, { qos: 1 });
            const victimClient = await connect(victim);
            (await authExchange(victimClient, victim, "query", 0)).kind.should.equal("seqn");
            // Its own topics work; by its own answer, the victim's would have come.
            (await authExchange(attacker, DEVICES.attacker, "query", 0)).kind.should.equal("seqn");
            stolen.should.eql([]);
            (await storedSeqn(victim.id)).should.equal(0);
        });

        it("works the same with an ACL of the lines provision --mqtt prints, and its password", async function () {
            const made = await runCli(["provision", "--db", path.join(workDir, "provisioned.db"), "--id", "7F3C", "--mqtt", "--json"]);
            made.status.should.equal(0, made.stderr);
            const { mqttPassword, mqttAcl } = JSON.parse(made.stdout);
            made.stderr.should.match(/mosquitto_passwd \/etc\/mosquitto\/wsn.passwd 7F3C/);
            made.stderr.should.not.containEql(mqttPassword);
            const acl = ["user wsn-backend", "topic read wsn/+/up", "topic write wsn/+/down/#"].concat(mqttAcl).join("\n") + "\n";
            const own = await mosquitto.start({ dir: path.join(workDir, "broker-provisioned"), users: { "7F3C": mqttPassword }, acl });
            try {
                const dev = await mqttDevice.connect(own.url, { id: "7F3C", mqttPassword });
                clients.push(dev);
                await dev.publish("{}");
                const denied = await dev.publish("{}", { topic: `wsn/${DEVICES.victim.id}/up` }).then(() => null, (err) => err);
                should.exist(denied);
                denied.message.should.match(/Not authorized/);
            } finally {
                await own.stop();
            }
        });

        it("refuses a client without a password, and one with another device's user name and a wrong password", async function () {
            for (const options of [{ username: DEVICES.victim.id, password: "wrong" }, { anonymous: true }]) {
                const failed = await mqttDevice.connect(broker.url, DEVICES.victim, Object.assign({}, options)).then((c) => { clients.push(c); return null; }, (err) => err);
                should.exist(failed, JSON.stringify(options));
            }
        });
    });

    describe("the CLI as a device over MQTT (send --mqtt, resync --mqtt)", function () {
        const cli = (dev, args, password) => runCli(args.concat(["--mqtt", broker.url, "--timeout", "3000"]), { env: { WSN_MQTT_PASSWORD: password === undefined ? dev.mqttPassword : password } });

        it("sends authenticated data and resyncs, with the summary HTTP gives, and prints no password", async function () {
            const dev = DEVICES.cliAuth;
            let r = await cli(dev, ["send", "--db", dbFile, "--id", dev.id, "--count", "5", "--json"]);
            r.status.should.equal(0, r.stderr);
            const summary = JSON.parse(r.stdout);
            [summary.sent, summary.acknowledged, summary.rejected, summary.failed].should.eql([5, 5, 0, 0]);
            (await rows(dev.id)).map((row) => row.dataSEQN).should.eql([1, 2, 3, 4, 5]);
            r = await cli(dev, ["resync", "--db", dbFile, "--id", dev.id, "--seqn", "100"]);
            r.status.should.equal(0, r.stderr);
            r.stdout.should.match(/SEQN set to 100, acknowledged/);
            (await storedSeqn(dev.id)).should.equal(100);
            r = await cli(dev, ["send", "--db", dbFile, "--id", dev.id, "--json", "7"]);
            JSON.parse(r.stdout).acknowledged.should.equal(1);
            (await rows(dev.id)).pop().should.eql({ dataSEQN: 101, dataLost: 0, dataJSON: "{\"value\":7}" });
            (r.stdout + r.stderr).should.not.containEql(dev.mqttPassword);
        });

        it("speaks the legacy formats too: the SEQN query is an empty publish", async function () {
            const dev = DEVICES.cliLegacy;
            for (const format of ["passphrase", "raw"]) {
                const r = await cli(dev, ["send", "--db", dbFile, "--id", dev.id, "--format", format, "--count", "2", "--json"]);
                r.status.should.equal(0, r.stderr);
                JSON.parse(r.stdout).acknowledged.should.equal(2);
            }
            (await rows(dev.id)).map((row) => row.dataSEQN).should.eql([1, 2, 3, 4]);
        });

        it("says why when there is no answer (an unknown device), and when the broker refuses the login", async function () {
            let r = await cli(STRANGER, ["send", "--key", randomKey(), "--id", STRANGER.id, "--count", "1"]);
            r.status.should.equal(1);
            r.stderr.should.match(/no answer on wsn\/U404\/down .*unknown device gets none/);
            r = await cli(DEVICES.cliAuth, ["send", "--db", dbFile, "--id", DEVICES.cliAuth.id], "wrong");
            r.status.should.equal(1);
            r.stderr.should.match(/user name or password refused/);
            // Logged in as one device, publishing as another: the broker refuses, and says so at once.
            r = await runCli(["send", "--key", randomKey(), "--id", DEVICES.victim.id, "--mqtt-user", DEVICES.attacker.id, "--mqtt", broker.url, "--timeout", "2000"],
                { env: { WSN_MQTT_PASSWORD: DEVICES.attacker.mqttPassword } });
            r.status.should.equal(1);
            r.stderr.should.match(/refused the publish on wsn\/V600\/up/);
            r.stderr.should.not.match(/Unhandled|no answer/);
            r = await runCli(["send", "--db", dbFile, "--id", DEVICES.cliAuth.id, "--mqtt", "http://127.0.0.1:1"]);
            r.status.should.equal(2);
            r.stderr.should.match(/--mqtt must be an mqtt:\/\/ or mqtts:\/\/ URL/);
        });
    });

    describe("WSN_TRANSPORT=mqtt npm start (scripts/demo.js)", function () {
        it("starts its own broker and the MQTT flows, takes the demo device's data over MQTT, and stops both", async function () {
            this.timeout(120000);
            const { spawn } = require("child_process");
            const demoDir = path.join(workDir, "demo");
            const [port, mqttPort] = [await backend.freePort(), await backend.freePort()];
            const demo = spawn(process.execPath, [path.join(backend.ROOT, "scripts", "demo.js")], {
                env: Object.assign({}, process.env, { WSN_TRANSPORT: "mqtt", WSN_DEMO_DIR: demoDir, PORT: String(port), WSN_MQTT_PORT: String(mqttPort) }),
                stdio: ["ignore", "pipe", "pipe"]
            });
            let output = "";
            const exited = new Promise((resolve) => demo.on("exit", resolve));
            const up = new Promise(function (resolve, reject) {
                demo.stdout.on("data", function (d) { output += d; const m = /try: (WSN_MQTT_PASSWORD=\S+) (WSN_KEY=\S+) npx wsn-crypto (.*)$/m.exec(output); if (m) { resolve(m); } });
                demo.stderr.on("data", function (d) { output += d; });
                exited.then(() => reject(new Error(`the demo exited:\n${output}`)));
            });
            const [, passwordVar, keyVar, command] = await up;
            const env = { WSN_MQTT_PASSWORD: passwordVar.split("=")[1], WSN_KEY: keyVar.split("=")[1] };
            // The command the demo prints, as printed.
            const r = await until(async function () {
                const run = await runCli(command.split(" ").concat(["--timeout", "2000"]), { env });
                return run.status === 0 ? run : false;
            }, { timeout: 30000, interval: 0, what: "the demo's printed send command to succeed" });
            r.stdout.should.match(/sent 1, acknowledged 1/);
            (await backend.query(path.join(demoDir, "wsn.db"), "SELECT dataJSON FROM Data WHERE deviceID = '12FA'")).should.eql([{ dataJSON: "{\"value\":300}" }]);
            demo.kill("SIGTERM");
            (await exited).should.equal(0);
            // The broker went with it.
            const refused = await mqttDevice.connect(`mqtt://127.0.0.1:${mqttPort}`, { id: "12FA", mqttPassword: env.WSN_MQTT_PASSWORD }).then((c) => { clients.push(c); return null; }, (err) => err);
            should.exist(refused);
        });
    });

    describe("MariaDB: flows/wsn-mqtt-mysql.json on two Node-RED instances (a shared subscription), the data path", function () {
        let db;
        const mysqlServers = [];
        let rowsOf;

        before(async function () {
            this.timeout(300000);
            db = await mariadb.start({ dir: path.join(workDir, "mariadb") });
            const database = await db.createDatabase({ database: "wsn", devices: Object.values(MYSQL_DEVICES) });
            rowsOf = (id) => db.query("SELECT dataSEQN, dataLost, dataJSON FROM Data WHERE deviceID = ? ORDER BY dataSEQN", [id], "wsn");
            for (const name of ["node-red-mysql-1", "node-red-mysql-2"]) {
                const dir = path.join(workDir, name);
                await backend.prepareUserDir({ dir, install: path.join(workDir, "pack", fs.readdirSync(path.join(workDir, "pack"))[0]), flowsFile: path.join(backend.ROOT, "flows", "wsn-mqtt-mysql.json"), extraModules: ["node-red-node-mysql"] });
                mysqlServers.push(await backend.startNodeRed({
                    dir, logLevel: "info",
                    env: Object.assign({ WSN_MQTT_URL: broker.url, WSN_MQTT_USER: "wsn-backend", WSN_MQTT_PASSWORD: backendPassword }, database.env)
                }));
            }
            // Both the broker and MariaDB are reached on the nodes' own time:
            // ready once a data message is answered with an ack.
            const dev = MYSQL_DEVICES.mysqlLegacy;
            const client = await connect(dev);
            await until(async function () {
                await client.publish(device.passphraseBody(dataMessage(1, 1), dev.key));
                const reply = await client.next(1000);
                const opened = device.openReply(reply.text, dev.key);
                return opened.message.ack === true || (JSON.parse(reply.text).error === "replay");
            }, { timeout: 60000, interval: 0, what: "the MariaDB MQTT flows to acknowledge a message" });
        });

        after(async function () {
            this.timeout(60000);
            for (const server of mysqlServers.splice(0)) { await server.stop("SIGTERM"); }
            if (db) { await db.stop(); }
        });

        it("stores authenticated data once, answers sealed acks and refusals bound to each request", async function () {
            const dev = MYSQL_DEVICES.mysqlAuth;
            const client = await connect(dev);
            let r = await authExchange(client, dev, "data", 3, { data: { value: 3 } });
            [r.kind, r.message].should.eql(["ack", { SEQN: 3, ack: true, lost: 2 }]);
            r = await authExchange(client, dev, "data", 3, { data: { value: 3 } });
            [r.kind, r.message].should.eql(["refusal", { error: "replay", SEQN: 3 }]);
            r = await authExchange(client, dev, "data", 2, { data: { value: 2 } });
            r.message.error.should.equal("stale");
            (await rowsOf(dev.id)).should.eql([{ dataSEQN: 3, dataLost: 2, dataJSON: "{\"value\":3}" }]);
        });

        it("stores the legacy formats' data", async function () {
            const dev = MYSQL_DEVICES.mysqlLegacy;
            const client = await connect(dev);
            const reply = await client.request(device.rawBody({ data: { value: 9 }, "SEQN": 10 }, dev.key));
            device.openReply(reply.text, dev.key).message.should.eql({ SEQN: 10, ack: true, lost: 8 });
            (await rowsOf(dev.id)).map((row) => row.dataSEQN).should.eql([1, 10]);
        });

        it(`stores a flood of ${FLOOD_COPIES} identical publishes once, each answered once (one instance each)`, async function () {
            this.timeout(120000);
            const dev = MYSQL_DEVICES.mysqlFlood;
            const client = await connect(dev);
            (await flood(client, dev, 7, FLOOD_COPIES)).should.eql({ ack: 1, replay: FLOOD_COPIES - 1 });
            (await rowsOf(dev.id)).length.should.equal(1);
            // No second answer to any copy: by a query answered after them, it would have come.
            (await authExchange(client, dev, "query", 0)).kind.should.equal("seqn");
            client.pending().should.equal(0);
        });
    });

    describe("the Arduino library's MQTT example (ESP32MqttDeepSleep on PubSubClient), built for this machine", function () {
        it("asks for its SEQN at the first wake, then stores a reading at every wake, over the real broker", async function () {
            this.timeout(300000);
            const dev = DEVICES.board;
            const sketch = await sketchHost.build({ id: dev.id, key: dev.key, mqtt: { host: "127.0.0.1", port: broker.port, password: dev.mqttPassword } },
                { board: "esp32", sketch: sketchHost.ESP32_MQTT_SKETCH });
            const memories = { rtcFile: path.join(workDir, "board.rtc"), eepromFile: path.join(workDir, "board.eeprom") };
            let wake = await sketch.run(Object.assign({ reading: 1234 }, memories));
            wake.status.should.equal(0, wake.stdout + wake.stderr);
            wake.lines.should.containEql("backend holds SEQN 0");
            wake.lines.should.containEql("SEQN 1 stored, lost 0");
            wake = await sketch.run(Object.assign({ reading: 99 }, memories));
            wake.status.should.equal(0, wake.stdout + wake.stderr);
            wake.lines.should.not.containEql("backend holds SEQN 1");
            wake.lines.should.containEql("SEQN 2 stored, lost 0");
            (await rows(dev.id)).should.eql([
                { dataSEQN: 1, dataLost: 0, dataJSON: "{\"value\":1234}" },
                { dataSEQN: 2, dataLost: 0, dataJSON: "{\"value\":99}" }
            ]);
        });

        it("says so and sleeps when the broker refuses its login", async function () {
            this.timeout(300000);
            const dev = DEVICES.board;
            const sketch = await sketchHost.build({ id: dev.id, key: dev.key, mqtt: { host: "127.0.0.1", port: broker.port, password: "wrong" } },
                { board: "esp32", sketch: sketchHost.ESP32_MQTT_SKETCH });
            const wake = await sketch.run({ reading: 1, rtcFile: path.join(workDir, "refused.rtc"), eepromFile: path.join(workDir, "refused.eeprom") });
            wake.status.should.equal(0, wake.stdout + wake.stderr);
            wake.lines.should.containEql("broker: not connected (state 5)");
            wake.lines[wake.lines.length - 1].should.equal("sleeping");
        });
    });

    describe("a broker restart in the middle of a stream", function () {
        it("loses nothing acknowledged: the device resends what got no answer, the flow reconnects by itself", async function () {
            this.timeout(120000);
            const dev = DEVICES.stream;
            const client = await connect(dev);
            const acked = [];
            /** Sends SEQN n until it is answered: an ack, or a replay refusal (stored before the restart). */
            async function send(n) {
                for (;;) {
                    const { text, tag } = authBody(dev, "data", n, { data: { value: n } });
                    try {
                        const reply = await client.request(text, {}, 3000);
                        const r = openAuthReply(dev, reply.text, tag);
                        if (r.kind === "ack" || r.message.error === "replay") { acked.push(n); return r.kind; }
                        throw new Error(`SEQN ${n}: ${JSON.stringify(r.message)}`);
                    } catch (err) {
                        if (/Not authorized|SEQN \d+:/.test(err.message)) { throw err; }
                        // No answer, or the publish failed with the broker away: once
                        // connected again, send the same message again.
                        await until(() => client.client.connected, { timeout: 30000, what: "the device to reconnect" });
                    }
                }
            }
            for (let n = 1; n <= 10; n++) { await send(n); }
            const restarted = broker.stop().then(() => broker.start());
            for (let n = 11; n <= 20; n++) {
                await send(n);
                if (n === 12) { await restarted; }
            }
            acked.should.eql(Array.from({ length: 20 }, (_, i) => i + 1));
            (await rows(dev.id)).map((r) => r.dataSEQN).should.eql(acked);
            (await storedSeqn(dev.id)).should.equal(20);
        });
    });
});
