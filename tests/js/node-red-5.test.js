"use strict";
// Smoke test on Node-RED 5 under Node 22 (Node-RED 5 needs Node >= 22.9; the
// rest of the suite runs Node-RED 4 on this machine's Node 20). Both come from
// the npm registry into a cache outside the checkout (scripts/lib/node-red-5.js),
// installed on the first run and reused after. The packed tarball, the shipped
// flows and node-red-node-sqlite with sqlite3 compiled for Node 22 are used as
// a user would have them; a device client built on crypto-js talks to it.
//
// The suite skips, saying why, only when the registry cannot be reached; any
// other install failure (a compile error, a wrong version) fails it.

const fs = require("fs");
const os = require("os");
const path = require("path");
const should = require("should");
const device = require("./helpers/device.js");
const { request } = require("./helpers/http.js");
const backend = require("../../scripts/lib/backend.js");
const { ensureNodeRed5 } = require("../../scripts/lib/node-red-5.js");

const { ARTICLE: DEVICE } = require("./helpers/article.js");

// The device side: the passphrase format with crypto-js (tests/js/helpers/device.js).
function open(text) { return device.openReply(text, DEVICE.key).message; }

describe("Node-RED 5 on Node 22 (packed tarball, shipped flows, sqlite built for Node 22)", function () {
    let runtime = null;
    let server = null;
    let tmp = null;
    let db = null;

    before(async function () {
        // A cold install (Node 22, Node-RED 5, compiling sqlite3) takes about two minutes.
        this.timeout(15 * 60 * 1000);
        try {
            runtime = await ensureNodeRed5();
        } catch (err) {
            if (!err.unavailable) { throw err; }
            console.warn(`      SKIPPED: Node 22 / Node-RED 5 cannot be installed: ${err.message}`);
            this.skip();
        }
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-nr5-"));
        db = path.join(tmp, "wsn.db");
        const dir = path.join(tmp, "userdir");
        const tarball = backend.packTarball(path.join(tmp, "pack"));
        await backend.prepareUserDir({ dir, db, install: tarball, devices: [DEVICE] });
        // prepareUserDir links this checkout's sqlite node, whose sqlite3 was built
        // for Node 20; Node-RED 5 gets the one built for Node 22 instead.
        const sqliteLink = path.join(dir, "node_modules", "node-red-node-sqlite");
        fs.rmSync(sqliteLink, { recursive: true, force: true });
        fs.symlinkSync(runtime.sqliteNode, sqliteLink, "dir");
        server = await backend.startNodeRed({ dir, db, nodeBinary: runtime.nodeBinary, redJs: runtime.redJs, timeoutMs: 90000 });
    });

    after(async function () {
        this.timeout(20000);
        if (server) { await server.stop(); }
        if (tmp) { fs.rmSync(tmp, { recursive: true, force: true }); }
    });

    it("runs Node-RED 5.x on Node 22.x", function () {
        runtime.nodeVersion.should.match(/^v22\./);
        runtime.redVersion.should.match(/^5\./);
        // The start-up probe asks for an unknown device; any other error is a failure.
        const errors = server.log().split("\n").filter((line) => /\[error\]/.test(line) && !/unknown_device/.test(line));
        errors.should.eql([]);
    });

    it("answers GET /wsn/12FA with the encrypted stored SEQN", async function () {
        const res = await request(server.port, "GET", "/wsn/12FA");
        res.status.should.equal(200, res.text);
        open(res.text).should.eql({ SEQN: 0 });
    });

    it("logs POST /data/12FA, acknowledges it, and answers a replay with 409", async function () {
        const body = device.passphraseBody({ data: { value: 300 }, SEQN: 121 }, DEVICE.key);
        const first = await request(server.port, "POST", "/data/12FA", body);
        first.status.should.equal(200, first.text);
        const ack = open(first.text);
        ack.should.have.properties({ SEQN: 121, ack: true });

        const replay = await request(server.port, "POST", "/data/12FA", body);
        replay.status.should.equal(409, replay.text);
        JSON.parse(replay.text).should.eql({ error: "replay" });

        const rows = await backend.query(db, "SELECT deviceID, dataValue, dataSEQN, dataJSON FROM Data");
        rows.should.eql([{ deviceID: "12FA", dataValue: 300, dataSEQN: 121, dataJSON: "{\"value\":300}" }]);
        const devices = await backend.query(db, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", ["12FA"]);
        devices.should.eql([{ deviceSQN: 121 }]);
    });

    it("reports the advanced SEQN on the next GET", async function () {
        const res = await request(server.port, "GET", "/wsn/12FA");
        res.status.should.equal(200, res.text);
        open(res.text).should.eql({ SEQN: 121 });
    });
});
