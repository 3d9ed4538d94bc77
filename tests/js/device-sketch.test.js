"use strict";
// The example sketches themselves (device/arduino/WsnCrypto/examples/
// ESP8266DeepSleep on BearSSL, ESP32DeepSleep on mbedTLS), each built for
// this machine with the WsnCrypto library and a shim of its board's core
// APIs (tests/device/shim; helpers/sketch-host.js), run against a real
// Node-RED with the shipped flows and the real SQLite node. The same cases
// run for both boards: one describe each, with its own Node-RED, so that
// either runs alone (mocha --grep ESP32).
// One process is one wake of the board; its RTC memory and EEPROM are files
// kept between processes, so that deep sleep (RTC kept), power loss (RTC
// lost, EEPROM kept) and a fresh board (both lost) are files kept or removed.
// A loopback proxy (helpers/tamper-proxy.js) plays the network: it records
// what the device sent, and forges or alters answers on the way back.
// Every case checks the database and what the device printed on Serial.

const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
const { execFileSync } = require("child_process");
const should = require("should");

const wasm = require("../../pkg/wsn_crypto.js");
const backend = require("../../scripts/lib/backend.js");
const sketchHost = require("./helpers/sketch-host.js");
const { TamperProxy } = require("./helpers/tamper-proxy.js");
const { provision } = require("./helpers/sqlite-devices.js");
const { request } = require("./helpers/http.js");

// The sketch's reservation step: WsnCounter counter(&rtc, &eeprom, 32).
const STEP = 32;

// --- the board's memories, as WsnStores.h writes them ---

/** The value of the WsnStoredRecord at the start of `file`, or null (no file, or not a valid record). */
function storedRecord(file, offset = 0) {
    if (!fs.existsSync(file)) { return null; }
    const bytes = fs.readFileSync(file);
    if (bytes.length < offset + 16) { return null; }
    const [magic, low, high, check] = [0, 4, 8, 12].map((at) => bytes.readUInt32LE(offset + at));
    let h = 2166136261;  // FNV-1a over the three words, as WsnStoredRecord::mix
    for (const w of [magic, low, high]) {
        for (let i = 0; i < 4; i++) { h = Math.imul((h ^ ((w >>> (8 * i)) & 0xff)) >>> 0, 16777619) >>> 0; }
    }
    if (magic !== 0x57534e32 || check !== h) { return null; }
    return high * 2 ** 32 + low;
}

// --- Serial, read back ---

/** What one wake printed, read line by line (the sketch's printf formats). */
function parseWake(lines) {
    const wake = { exchanges: [], answers: [], held: null, outcome: null };
    for (const line of lines) {
        let m;
        if ((m = /^(\/\S+): HTTP (-?\d+), (\w+)$/.exec(line))) {
            wake.exchanges.push({ path: m[1], http: Number(m[2]), status: m[3] });
        } else if ((m = /^answer: (.*)$/.exec(line))) {
            wake.answers.push(m[1]);
        } else if ((m = /^backend holds SEQN (\d+)$/.exec(line))) {
            wake.held = Number(m[1]);
        } else if ((m = /^SEQN (\d+) stored, lost (\d+)$/.exec(line))) {
            wake.outcome = { seqn: Number(m[1]), stored: true, lost: Number(m[2]) };
        } else if ((m = /^SEQN (\d+) refused \((\w+)\), backend holds (\d+)$/.exec(line))) {
            wake.outcome = { seqn: Number(m[1]), refused: m[2], held: Number(m[3]) };
        } else if ((m = /^SEQN (\d+) not acknowledged: (\w+)$/.exec(line))) {
            wake.outcome = { seqn: Number(m[1]), notSent: m[2] };
        } else if (line !== "sleeping") {
            throw new Error(`the sketch printed a line this test does not know: ${JSON.stringify(line)}`);
        }
    }
    return wake;
}

// --- the device under test ---

/**
 * A device provisioned now in `db` (auth format only, a fresh random key,
 * SEQN 0), `boardName`'s example sketch built for it to post to `url`, and
 * its board's memories in `dir` (absent: a new board).
 */
async function newBoardDevice(boardName, { db, url, dir, buildOptions }) {
    const dev = await provision(db, { id: "ESP", key: crypto.randomBytes(16).toString("hex"), seqn: 0, formats: "auth" });
    const sketch = await sketchHost.build({ url, id: dev.id, key: dev.key }, Object.assign({ board: boardName }, buildOptions && buildOptions(dev)));
    const boardDir = fs.mkdtempSync(path.join(dir, `board-${dev.id}-`));
    const board = {
        id: dev.id,
        /** sketch-host's board: name, adcMax, rtcBytes, ... */
        hardware: sketch.board,
        key: dev.key,
        rtcFile: path.join(boardDir, "rtc.bin"),
        eepromFile: path.join(boardDir, "eeprom.bin"),
        wsnPath: `/wsn/${dev.id}`,
        dataPath: `/data/${dev.id}`,
        /** One wake reading `reading` on A0: runs the sketch until it sleeps. */
        async wake(reading) {
            const run = await sketch.run({ rtcFile: board.rtcFile, eepromFile: board.eepromFile, reading });
            const shown = `status ${run.status}${run.signal ? ` (${run.signal})` : ""}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
            should(run.status).equal(0, `the sketch did not end in deep sleep: ${shown}`);
            should(run.lines[run.lines.length - 1]).equal("sleeping", shown);
            should(run.stderr).equal("", shown);
            return Object.assign(parseWake(run.lines), { lines: run.lines });
        },
        /**
         * Power loss: RTC memory goes (the ESP8266's to noise; the ESP32's to
         * its variables' initial values, which its bootloader loads at any
         * reset but a wake), flash stays.
         */
        loseRtc() { fs.rmSync(board.rtcFile, { force: true }); },
        loseEeprom() { fs.rmSync(board.eepromFile, { force: true }); },
        rtc() { return storedRecord(board.rtcFile, board.hardware.rtcRecordAt); },
        reservation() { return storedRecord(board.eepromFile); },
        /** The board's memories as they are now, to put back later. */
        saveMemories() {
            return { rtc: fs.readFileSync(board.rtcFile), eeprom: fs.readFileSync(board.eepromFile) };
        },
        restoreMemories(saved) {
            fs.writeFileSync(board.rtcFile, saved.rtc);
            fs.writeFileSync(board.eepromFile, saved.eeprom);
        },
        /** What the backend holds for this device: its SEQN and its rows. */
        async state() {
            const seqn = (await backend.query(db, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", [dev.id]))[0].deviceSQN;
            const rows = await backend.query(db, "SELECT dataSEQN, dataLost, dataValue, dataJSON FROM Data WHERE deviceID = ? ORDER BY dataSEQN", [dev.id]);
            return { seqn, rows };
        }
    };
    return board;
}

/** The row a wake reading `value` as SEQN `seqn` leaves. */
function row(seqn, value, lost) {
    return { dataSEQN: seqn, dataLost: lost || 0, dataValue: value, dataJSON: JSON.stringify({ value }) };
}

/** A first boot with empty memories, checked in full by the first case; the others start from it. */
async function firstBoot(board, reading) {
    const wake = await board.wake(reading);
    wake.outcome.should.eql({ seqn: 1, stored: true, lost: 0 });
    return wake;
}

/** The tag of a request body the device sent: the last 16 bytes of its message. */
function tagOf(body) {
    return Buffer.from(JSON.parse(body).auth, "base64").subarray(-16).toString("base64");
}

/** The cases, for one board's example sketch. */
function describeSketch(boardName) {
    describe(`the ${sketchHost.BOARDS[boardName].name} example sketch on the host, against Node-RED with SQLite`, function () {
        this.timeout(120000);
        let dir;
        let db;
        let server;
        let proxy;
        let proxyUrl;
        const newDevice = (buildOptions) => newBoardDevice(boardName, { db, url: proxyUrl, dir, buildOptions });

        before(async function () {
            // A sketch that does not compile for this board fails here, once,
            // with the compiler's words, rather than in every case. The
            // library and the shim built now are reused by every device.
            await sketchHost.build({ url: "http://127.0.0.1:9", id: "0000", key: "00".repeat(16) }, { board: boardName });
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-sketch-test-"));
            db = path.join(dir, "wsn.db");
            await backend.prepareUserDir({ dir, db, install: "link", devices: [] });
            server = await backend.startNodeRed({ dir, db });
            proxy = new TamperProxy(server.port);
            proxyUrl = await proxy.start();
        });

        // A forgery set up by a test that failed before its wake must not answer the next test's device.
        afterEach(function () {
            if (proxy) { proxy.clearActions(); }
        });

        after(async function () {
            if (proxy) { await proxy.stop(); }
            if (server) { await server.stop(); }
            if (dir) { fs.rmSync(dir, { recursive: true, force: true }); }
        });

        it("first boot with empty stores: one SEQN query, then one data message stored with SEQN 1", async function () {
            const board = await newDevice();
            const wake = await board.wake(321);
            wake.lines.should.eql([
                `${board.wsnPath}: HTTP 200, ok`,
                "backend holds SEQN 0",
                `${board.dataPath}: HTTP 200, ok`,
                "SEQN 1 stored, lost 0",
                "sleeping"
            ]);
            (await board.state()).should.eql({ seqn: 1, rows: [row(1, 321)] });
            // What went over the wire, opened with the package's wasm: the
            // authenticated format only, the query first, the reading inside.
            const sent = proxy.requests.filter((r) => r.path.endsWith(`/${board.id}`));
            sent.map((r) => r.path).should.eql([board.wsnPath, board.dataPath]);
            for (const r of sent) { Object.keys(JSON.parse(r.body)).should.eql(["auth"]); }
            wasm.open(sent[0].body, board.key, { deviceId: board.id }).should.containEql({ format: "auth", kind: "query" });
            wasm.open(sent[1].body, board.key, { deviceId: board.id }).should.eql({ format: "auth", kind: "data", seqn: 1, message: { data: { value: 321 } } });
            // RTC memory holds the last SEQN used, flash the reservation above
            // it. On the ESP32 the RTC file is the RTC_DATA_ATTR section
            // itself: WsnStores.cpp's one record and nothing else, so the
            // counter crossed the sleep in the variable the library marked.
            [board.rtc(), board.reservation()].should.eql([1, 1 + STEP - 1]);
            fs.statSync(board.rtcFile).size.should.equal(board.hardware.rtcBytes);
        });

        it("100 wakes from deep sleep: 100 more rows, consecutive SEQNs, the values sent, none lost, no more queries", async function () {
            const board = await newDevice();
            await firstBoot(board, 0);
            const values = [0];
            for (let i = 0; i < 100; i++) {
                const value = (i * 37 + 11) % (board.hardware.adcMax + 1);  // the ESP32's 12 bits too
                values.push(value);
                const wake = await board.wake(value);
                wake.lines.should.eql([`${board.dataPath}: HTTP 200, ok`, `SEQN ${i + 2} stored, lost 0`, "sleeping"], `wake ${i + 1}`);
            }
            const state = await board.state();
            state.seqn.should.equal(101);
            state.rows.should.eql(values.map((v, i) => row(i + 1, v)));
            [proxy.to(board.wsnPath).length, proxy.to(board.dataPath).length].should.eql([1, 101]);
            // The reservation moved every STEP SEQNs: 32, 64, 96, then 128 when 97 was taken.
            [board.rtc(), board.reservation()].should.eql([101, 97 + STEP - 1]);
        });

        it("power loss with the durable store kept: no query, the SEQN skips above the reservation, the backend counts the gap as lost", async function () {
            const board = await newDevice();
            await firstBoot(board, 1);
            for (let seqn = 2; seqn <= 5; seqn++) { (await board.wake(seqn)).outcome.should.eql({ seqn, stored: true, lost: 0 }); }
            const reserved = board.reservation();
            reserved.should.equal(STEP);
            board.loseRtc();

            const wake = await board.wake(500);
            const first = reserved + 1;
            wake.lines.should.eql([`${board.dataPath}: HTTP 200, ok`, `SEQN ${first} stored, lost ${first - 5 - 1}`, "sleeping"]);
            let state = await board.state();
            state.seqn.should.equal(first);
            state.rows[state.rows.length - 1].should.eql(row(first, 500, first - 5 - 1));
            proxy.to(board.wsnPath).length.should.equal(1, "only the first boot's query");
            // A new reservation was written before the SEQN above the old one was used.
            board.reservation().should.equal(first + STEP - 1);

            (await board.wake(501)).outcome.should.eql({ seqn: first + 1, stored: true, lost: 0 });
            state = await board.state();
            state.rows.map((r) => r.dataSEQN).should.eql([1, 2, 3, 4, 5, first, first + 1]);
        });

        it("both stores lost (no counter store): a query, then SEQN stored + 1, none lost", async function () {
            const board = await newDevice();
            await firstBoot(board, 1);
            for (let seqn = 2; seqn <= 3; seqn++) { (await board.wake(seqn)).outcome.should.eql({ seqn, stored: true, lost: 0 }); }
            board.loseRtc();
            board.loseEeprom();

            const wake = await board.wake(44);
            wake.lines.should.eql([
                `${board.wsnPath}: HTTP 200, ok`,
                "backend holds SEQN 3",
                `${board.dataPath}: HTTP 200, ok`,
                "SEQN 4 stored, lost 0",
                "sleeping"
            ]);
            (await board.state()).should.eql({ seqn: 4, rows: [row(1, 1), row(2, 2), row(3, 3), row(4, 44)] });
            proxy.to(board.wsnPath).length.should.equal(2);
        });

        it("a replayed request is 409 replay and changes nothing; a board put back to old memories is refused, sealed, and carries on above", async function () {
            const board = await newDevice();
            await firstBoot(board, 1);
            (await board.wake(2)).outcome.should.eql({ seqn: 2, stored: true, lost: 0 });
            const saved = board.saveMemories();  // the board as it was after SEQN 2

            // An outsider replays what the device sent, straight to Node-RED.
            const before = await board.state();
            const recorded = proxy.to(board.dataPath)[1].body;
            const res = await request(server.port, "POST", board.dataPath, recorded);
            res.status.should.equal(409, res.text);
            JSON.parse(res.text).error.should.equal("replay");
            wasm.open(res.text, board.key, { deviceId: board.id, direction: "reply", request: tagOf(recorded) })
                .should.containEql({ kind: "refusal", seqn: 2, message: { error: "replay", SEQN: 2 } });
            (await board.state()).should.eql(before);

            for (let seqn = 3; seqn <= 5; seqn++) { (await board.wake(seqn * 10)).outcome.should.eql({ seqn, stored: true, lost: 0 }); }
            const held = await board.state();
            // Memories restored from a backup (or a flash image): SEQN 3 again,
            // a new message under a used SEQN.
            board.restoreMemories(saved);
            const wake = await board.wake(999);
            // Below the stored SEQN: "stale" ("replay" is for the SEQN stored).
            // The sealed refusal moved the counter above what the backend
            // holds, and the sketch sends the reading again as a new message
            // (the README's "what to do with each answer").
            wake.lines.should.eql([
                `${board.dataPath}: HTTP 409, refused`,
                "SEQN 3 refused (stale), backend holds 5",
                `${board.dataPath}: HTTP 200, ok`,
                "SEQN 6 stored, lost 0",
                "sleeping"
            ]);
            (await board.state()).should.eql({ seqn: 6, rows: held.rows.concat([row(6, 999)]) });
            // Both posts were the device's own: the refused one, then the new message under SEQN 6.
            const posts = proxy.to(board.dataPath).slice(-2).map((r) => wasm.open(r.body, board.key, { deviceId: board.id }));
            posts.map((p) => [p.seqn, p.message.data.value]).should.eql([[3, 999], [6, 999]]);

            board.rtc().should.equal(6);
            (await board.wake(7)).outcome.should.eql({ seqn: 7, stored: true, lost: 0 });
            (await board.state()).rows.map((r) => [r.dataSEQN, r.dataValue]).should.eql([[1, 1], [2, 2], [3, 30], [4, 40], [5, 50], [6, 999], [7, 7]]);
        });

        it("an outsider's forged refusals are not authentic to the device: its counter does not jump, the database does not change", async function () {
            const board = await newDevice();
            await firstBoot(board, 1);
            // Sealed in the right format, bound to the very request it answers,
            // claiming a far SEQN; only the key is wrong.
            const outsiderKey = crypto.randomBytes(16).toString("hex");
            const forged = (req) => {
                const sealed = wasm.seal({ error: "stale", SEQN: 1000000 }, outsiderKey, { format: "auth", deviceId: board.id, kind: "refusal", request: tagOf(req.body) });
                return { status: 409, body: JSON.stringify({ error: "stale", auth: sealed.auth }) };
            };
            const before = await board.state();
            const seen = proxy.requests.length;
            proxy.answerNext(forged);
            proxy.answerNext(forged);  // and the sketch's retry
            let wake = await board.wake(2);
            wake.lines.should.eql([
                `${board.dataPath}: HTTP 409, not_authentic`,
                `${board.dataPath}: HTTP 409, not_authentic`,
                "SEQN 2 not acknowledged: not_authentic",
                "sleeping"
            ]);
            proxy.requests.slice(seen).map((r) => r.forwarded).should.eql([false, false]);
            (await board.state()).should.eql(before);
            board.rtc().should.equal(2);  // SEQN 2 was used up, not 1000000

            // A genuine refusal, of another request: what Node-RED answered to a
            // replay of SEQN 1's message, served to the device's next request.
            const old = await request(server.port, "POST", board.dataPath, proxy.to(board.dataPath)[0].body);
            old.status.should.equal(409, old.text);
            proxy.answerNext(() => ({ status: 409, body: old.text }));
            wake = await board.wake(3);
            wake.lines.should.eql([
                `${board.dataPath}: HTTP 409, not_authentic`,
                `${board.dataPath}: HTTP 200, ok`,
                "SEQN 3 stored, lost 1",
                "sleeping"
            ]);

            (await board.wake(4)).outcome.should.eql({ seqn: 4, stored: true, lost: 0 });
            (await board.state()).should.eql({ seqn: 4, rows: [row(1, 1), row(3, 3, 1), row(4, 4)] });
        });

        it("an answer without a sealed part (an unknown device's 404): not_sealed, its body printed, nothing sent as data", async function () {
            // Built for an id the database does not hold.
            const id = `U${crypto.randomBytes(3).toString("hex").toUpperCase()}`;
            const sketch = await sketchHost.build({ url: proxyUrl, id, key: crypto.randomBytes(16).toString("hex") }, { board: boardName });
            const boardDir = fs.mkdtempSync(path.join(dir, `board-${id}-`));
            const run = await sketch.run({ rtcFile: path.join(boardDir, "rtc.bin"), eepromFile: path.join(boardDir, "eeprom.bin"), reading: 5 });
            should(run.status).equal(0, run.stderr);
            const answered = proxy.to(`/wsn/${id}`);
            answered.length.should.equal(2, "the query and its one retry");
            const plain = answered[0].backend.body;
            JSON.parse(plain).should.eql({ error: "unknown_device" });
            run.lines.should.eql([
                `/wsn/${id}: HTTP 404, not_sealed`,
                `answer: ${plain}`,
                `/wsn/${id}: HTTP 404, not_sealed`,
                `answer: ${plain}`,
                "sleeping"
            ]);
            parseWake(run.lines).answers.should.eql([plain, plain]);
            proxy.to(`/data/${id}`).length.should.equal(0);
        });

        it("secrets.example.h as secrets.h, the values given as -D flags (PlatformIO's build_flags): the flags win", async function () {
            const example = path.join(path.dirname(sketchHost.BOARDS[boardName].sketch), "secrets.example.h");
            const text = fs.readFileSync(example, "utf8");
            // Every value of the example gives way to a definition made before it.
            for (const name of ["WIFI_SSID", "WIFI_PASSWORD", "WSN_URL", "WSN_ID", "WSN_KEY"]) {
                text.should.match(new RegExp(`#ifndef ${name}\n#define ${name} [^\n]*\n#endif`));
            }
            const board = await newDevice((dev) => ({ secretsFile: example, defines: { url: proxyUrl, id: dev.id, key: dev.key } }));
            const wake = await board.wake(77);
            wake.outcome.should.eql({ seqn: 1, stored: true, lost: 0 });
            (await board.state()).should.eql({ seqn: 1, rows: [row(1, 77)] });
        });

        it("a tampered ack is rejected; the retry of the same body gets the backend's sealed replay refusal; nothing stored twice", async function () {
            const board = await newDevice();
            await firstBoot(board, 1);
            const seen = proxy.requests.length;
            proxy.alterNext(function (answer) {
                const body = JSON.parse(answer.body);
                const bytes = Buffer.from(body.auth, "base64");
                bytes[Math.floor(bytes.length / 2)] ^= 0x01;
                return { status: answer.status, body: JSON.stringify(Object.assign(body, { auth: bytes.toString("base64") })) };
            });
            const wake = await board.wake(2);
            wake.lines.should.eql([
                `${board.dataPath}: HTTP 200, not_authentic`,
                `${board.dataPath}: HTTP 409, refused`,
                "SEQN 2 refused (replay), backend holds 2",
                "sleeping"
            ]);
            const sent = proxy.requests.slice(seen);
            sent.map((r) => [r.path, r.forwarded, r.backend.status]).should.eql([[board.dataPath, true, 200], [board.dataPath, true, 409]]);
            sent[1].body.should.equal(sent[0].body, "the retry is the same body");
            (await board.state()).should.eql({ seqn: 2, rows: [row(1, 1), row(2, 2)] });

            (await board.wake(3)).outcome.should.eql({ seqn: 3, stored: true, lost: 0 });
            (await board.state()).rows.map((r) => r.dataSEQN).should.eql([1, 2, 3]);
        });
    });
}

describeSketch("esp8266");
describeSketch("esp32");

describe("WsnStores.h in two files of one ESP32 sketch, beside a variable of the sketch's in RTC memory", function () {
    this.timeout(120000);
    const SKETCH_DIR = path.join(__dirname, "..", "device", "sketches", "TwoFiles");
    let dir;

    before(function () { dir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-two-files-")); });
    after(function () { if (dir) { fs.rmSync(dir, { recursive: true, force: true }); } });

    it("builds, and both files' WsnRtcStore are the one record, kept across deep sleep", async function () {
        const sketch = await sketchHost.build({ url: "http://127.0.0.1:9", id: "0000", key: "00".repeat(16) },
            { board: "esp32", sketch: path.join(SKETCH_DIR, "TwoFiles.ino"), sources: [path.join(SKETCH_DIR, "other.cpp")] });
        const memories = { rtcFile: path.join(dir, "rtc.bin"), eepromFile: path.join(dir, "eeprom.bin") };
        const lines = [];
        for (let i = 0; i < 2; i++) {
            const run = await sketch.run(memories);
            should(run.status).equal(0, run.stderr);
            lines.push(...run.lines);
        }
        lines.should.eql([
            "wake 0, before save: other.cpp loads no_seqn 0",
            "wake 0, after save: other.cpp loads ok 1000",
            "sleeping",
            "wake 1, before save: other.cpp loads ok 1000",
            "wake 1, after save: other.cpp loads ok 1001",
            "sleeping"
        ]);
        // RTC memory holds two variables: the one 16-byte record and the sketch's counter.
        const inRtc = execFileSync("objdump", ["-t", sketch.program], { encoding: "utf8" }).split("\n")
            .filter((line) => /\sO\s+wsn_shim_rtc_data\s/.test(line) && !/__/.test(line))
            .map((line) => line.trim().split(/\s+/)).map((f) => [f[f.length - 1], parseInt(f[f.length - 2], 16)]).sort();
        inRtc.should.eql([["wakes", 4], ["wsnRtcRecord", 16]]);
    });
});
