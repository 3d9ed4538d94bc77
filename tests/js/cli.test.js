"use strict";
// The wsn-crypto CLI (bin/wsn-crypto.js), run as a subprocess the way a user
// runs it, against a real Node-RED with the shipped flows and the real SQLite
// node on a free loopback port. Every run checks that no key shows up in the
// output of any command but provision.

const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");
const should = require("should");
const backend = require("../../scripts/lib/backend.js");

const CLI = path.join(backend.ROOT, "bin", "wsn-crypto.js");
const COMMANDS = ["provision", "list", "remove", "send", "resync", "seal", "open", "encrypt", "decrypt"];
const HEX_KEY_128 = /^[0-9A-F]{32}$/;

// Every key a test has seen: none may appear in a command's output unless
// the command is provision.
const knownKeys = new Set();

/**
 * Runs the CLI; resolves to {status, stdout, stderr}. options: input (stdin
 * text), env (added to a clean copy of process.env), cwd.
 */
function cli(args, options) {
    const opts = options || {};
    const env = Object.assign({}, process.env, opts.env || {});
    delete env.WSN_KEY;
    if (opts.env && opts.env.WSN_KEY) { env.WSN_KEY = opts.env.WSN_KEY; }
    return new Promise(function (resolve, reject) {
        const child = spawn(process.execPath, [opts.cli || CLI].concat(args), {
            cwd: opts.cwd || backend.ROOT, env, stdio: ["pipe", "pipe", "pipe"]
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("error", reject);
        child.on("close", function (status) {
            if (args[0] !== "provision") {
                for (const key of knownKeys) {
                    if (stdout.includes(key) || stderr.includes(key)) {
                        return reject(new Error(`wsn-crypto ${args[0]} printed a key:\n${stdout}\n${stderr}`));
                    }
                }
            }
            resolve({ status, stdout, stderr });
        });
        child.stdin.end(opts.input === undefined ? "" : opts.input);
    });
}

async function provision(db, args) {
    const result = await cli(["provision", "--db", db, "--json"].concat(args || []));
    result.status.should.equal(0, result.stderr);
    const device = JSON.parse(result.stdout);
    knownKeys.add(device.key);
    return device;
}

function rows(db, id) {
    return backend.query(db, "SELECT dataSEQN, dataValue, dataJSON FROM Data WHERE deviceID = ? ORDER BY dataSEQN", [id]);
}

async function storedSeqn(db, id) {
    const found = await backend.query(db, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", [id]);
    return found.length ? found[0].deviceSQN : undefined;
}

describe("wsn-crypto CLI", function () {
    this.timeout(120000);

    let tmp;
    let db;
    let server;
    let url;

    before(async function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-cli-"));
        db = path.join(tmp, "wsn.db");
        const dir = path.join(tmp, "node-red");
        await backend.prepareUserDir({ dir, db, install: "link", devices: [] });
        server = await backend.startNodeRed({ dir, db });
        url = `http://127.0.0.1:${server.port}`;
    });

    after(async function () {
        if (server) { await server.stop(); }
        if (tmp) { fs.rmSync(tmp, { recursive: true, force: true }); }
    });

    describe("help and arguments", function () {
        it("prints --help for every command, and exits 0", async function () {
            for (const command of COMMANDS) {
                const result = await cli([command, "--help"]);
                result.status.should.equal(0, command);
                result.stdout.should.startWith(`Usage: wsn-crypto ${command}`);
            }
            const overview = await cli(["--help"]);
            overview.status.should.equal(0);
            for (const command of COMMANDS) { overview.stdout.should.containEql(command); }
        });

        it("exits 2 with a message for an unknown command and bad arguments", async function () {
            const cases = [
                [[], /Usage: wsn-crypto <command>/],
                [["frobnicate"], /unknown command 'frobnicate'/],
                [["send", "--id", "X", "--key", "K", "--count", "0"], /--count must be a whole number 1 or more/],
                [["send", "--id", "X", "--key", "K", "--count", "ten"], /--count must be a whole number/],
                [["send", "--id", "X", "--key", "K", "--format", "base64"], /--format must be one of: passphrase, raw/],
                [["send", "--id", "X", "--key", "K", "--url", "ftp://127.0.0.1/"], /--url must be an absolute http/],
                [["send", "--id", "X", "--key", "not-hex", "--format", "raw"], /raw format needs a key of 32, 48 or 64 hex digits/],
                [["send", "--key", "K"], /--id is required/],
                [["send", "--id", "X"], /a key is required/],
                [["provision", "--db", path.join(os.tmpdir(), "never.db"), "--key", "XYZ"], /--key must be 32, 48 or 64 hex digits/],
                [["provision"], /--db is required/],
                [["list", "--db", "x.db", "stray"], /takes no positional arguments/],
                [["list", "--bogus"], /Unknown option '--bogus'/],
                [["seal", "--key", "K", "{not json"], /not valid JSON/],
                [["seal", "--key", "2B7E151628AED2A6ABF7158809CF4F3C", "--format", "auth", "--seqn", "1"], /--format auth needs --id/],
                [["seal", "--key", "passphrase", "--format", "auth", "--id", "X", "--seqn", "1"], /auth format needs a key of 32, 48 or 64 hex digits/],
                [["encrypt", "--key", "K", "--format", "auth", "x"], /--format must be one of: passphrase, raw \(/],
                [["provision", "--db", path.join(os.tmpdir(), "never.db"), "--formats", "auth,aead"], /--formats must be a comma-separated list of: passphrase, raw, auth/],
                [["resync", "--id", "X", "--key", "2B7E151628AED2A6ABF7158809CF4F3C"], /--seqn is required/],
                [["open", "--key", "K", "--direction", "sideways", "x"], /--direction must be one of: request, reply/]
            ];
            for (const [args, pattern] of cases) {
                const result = await cli(args);
                result.status.should.equal(2, args.join(" "));
                result.stderr.should.match(pattern);
                result.stdout.should.equal("");
            }
        });
    });

    describe("provision, list, remove", function () {
        it("creates the schema in a new database and prints a fresh 128-bit key once", async function () {
            const fresh = path.join(tmp, "fresh.db");
            const result = await cli(["provision", "--db", fresh, "--id", "0012"]);
            result.status.should.equal(0, result.stderr);
            const key = result.stdout.match(/^key +([0-9A-F]+)$/m)[1];
            knownKeys.add(key);
            key.should.match(HEX_KEY_128);
            result.stdout.split(key).length.should.equal(2, "the key is printed once");
            result.stdout.should.match(/^device 0012$/m);
            const tables = await backend.query(fresh, "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') ORDER BY name");
            tables.map((t) => t.name).should.eql(["Challenges", "Data", "Data_advances_deviceSQN", "Devices", "Devices_SEQN_withdraws_challenge"]);
            // The id stays text: "0012" must not become 12.
            (await backend.query(fresh, "SELECT deviceID, deviceKey, deviceSQN FROM Devices")).should.eql([
                { deviceID: "0012", deviceKey: key, deviceSQN: 0 }
            ]);

            const second = await provision(fresh, []);
            second.id.should.match(/^[0-9A-F]{6}$/);
            second.key.should.match(HEX_KEY_128);
            second.key.should.not.equal(key);
        });

        it("refuses to overwrite an existing device without --rotate, and keeps its key", async function () {
            const device = await provision(db, ["--id", "KEEP"]);
            const other = "00112233445566778899AABBCCDDEEFF";
            knownKeys.add(other);
            const result = await cli(["provision", "--db", db, "--id", "KEEP", "--key", other]);
            result.status.should.equal(1);
            result.stderr.should.match(/device KEEP already exists.*--rotate/);
            result.stdout.should.equal("");
            (await backend.query(db, "SELECT deviceKey FROM Devices WHERE deviceID = 'KEEP'"))[0].deviceKey.should.equal(device.key);
        });

        it("gives a device a new key with --rotate and keeps its SEQN", async function () {
            const device = await provision(db, ["--id", "ROTATE"]);
            const sent = await cli(["send", "--url", url, "--id", "ROTATE", "--count", "3"], { env: { WSN_KEY: device.key } });
            sent.status.should.equal(0, sent.stderr);
            const rotated = await provision(db, ["--id", "ROTATE", "--rotate"]);
            rotated.key.should.not.equal(device.key);
            rotated.seqn.should.equal(3);
            (await storedSeqn(db, "ROTATE")).should.equal(3);
            const old = await cli(["send", "--url", url, "--id", "ROTATE"], { env: { WSN_KEY: device.key } });
            old.status.should.equal(1);
            old.stderr.should.match(/wrong key/);

            const missing = await cli(["provision", "--db", db, "--id", "NOSUCH", "--rotate"]);
            missing.status.should.equal(1);
            missing.stderr.should.match(/device NOSUCH does not exist/);
        });

        it("lists devices with their SEQN and rows, never their keys", async function () {
            const device = await provision(db, ["--id", "LISTED"]);
            const text = await cli(["list", "--db", db]);
            text.status.should.equal(0, text.stderr);
            text.stdout.should.match(/^DEVICE +SEQN +ROWS +LAST DATA +FORMATS$/m);
            text.stdout.should.match(/^LISTED +0 +0 +- +passphrase,raw,auth$/m);
            text.stdout.should.not.containEql(device.key);
            const json = await cli(["list", "--db", db, "--json"]);
            json.status.should.equal(0, json.stderr);
            const listed = JSON.parse(json.stdout).find((d) => d.id === "LISTED");
            listed.should.eql({ id: "LISTED", seqn: 0, rows: 0, lastData: null, formats: "passphrase,raw,auth" });

            const missing = await cli(["list", "--db", path.join(tmp, "typo.db")]);
            missing.status.should.equal(1);
            missing.stderr.should.match(/there is no database at/);
            fs.existsSync(path.join(tmp, "typo.db")).should.be.false();
        });

        it("removes a device (keeping its rows unless --purge); removing it again fails", async function () {
            const device = await provision(db, ["--id", "GONE"]);
            const sent = await cli(["send", "--url", url, "--id", "GONE", "--count", "2"], { env: { WSN_KEY: device.key } });
            sent.status.should.equal(0, sent.stderr);
            const removed = await cli(["remove", "--db", db, "--id", "GONE"]);
            removed.status.should.equal(0, removed.stderr);
            removed.stderr.should.match(/its 2 data rows are kept/);
            (await storedSeqn(db, "GONE") === undefined).should.be.true();
            const unknown = await cli(["send", "--url", url, "--id", "GONE"], { env: { WSN_KEY: device.key } });
            unknown.status.should.equal(1);
            unknown.stderr.should.match(/device GONE is not provisioned on the backend/);

            // Provisioned again, the id starts above its kept rows, so they cannot collide.
            const again = await provision(db, ["--id", "GONE"]);
            again.seqn.should.equal(2);
            const resent = await cli(["send", "--url", url, "--id", "GONE", "--count", "1"], { env: { WSN_KEY: again.key } });
            resent.status.should.equal(0, resent.stderr);
            (await rows(db, "GONE")).map((r) => r.dataSEQN).should.eql([1, 2, 3]);

            const purged = await cli(["remove", "--db", db, "--id", "GONE", "--purge"]);
            purged.status.should.equal(0, purged.stderr);
            (await rows(db, "GONE")).should.eql([]);
            const twice = await cli(["remove", "--db", db, "--id", "GONE"]);
            twice.status.should.equal(1);
            twice.stderr.should.match(/device GONE does not exist/);
        });

        it("says how to install sqlite3 when it cannot find it", async function () {
            // A copy of the package without node_modules, run from an empty
            // directory with an empty home: nowhere to find sqlite3.
            const copy = path.join(tmp, "no-sqlite", "package");
            for (const part of ["bin", "pkg", "flows"]) {
                fs.cpSync(path.join(backend.ROOT, part), path.join(copy, part), { recursive: true });
            }
            fs.copyFileSync(path.join(backend.ROOT, "package.json"), path.join(copy, "package.json"));
            const empty = path.join(tmp, "no-sqlite", "work");
            fs.mkdirSync(path.join(empty, "home"), { recursive: true });
            const result = await cli(["provision", "--db", path.join(empty, "wsn.db")], {
                cli: path.join(copy, "bin", "wsn-crypto.js"),
                cwd: empty,
                env: { HOME: path.join(empty, "home"), NODE_PATH: "" }
            });
            result.status.should.equal(1);
            result.stderr.should.match(/the sqlite3 package was not found/);
            result.stderr.should.match(/cd ~\/\.node-red/);
            result.stderr.should.match(/npm install sqlite3/);
            result.stdout.should.equal("");
            fs.existsSync(path.join(empty, "wsn.db")).should.be.false();
        });
    });

    describe("send, against the backend", function () {
        let device;

        before(async function () {
            device = await provision(db, ["--id", "12FA"]);
        });

        it("sends 50 values: every one is acknowledged and stored with its SEQN", async function () {
            const values = Array.from({ length: 50 }, (_, i) => String(300 + i));
            const result = await cli(["send", "--url", url, "--id", "12FA"].concat(values), { env: { WSN_KEY: device.key } });
            result.status.should.equal(0, result.stderr);
            result.stdout.should.match(/^sent 50, acknowledged 50, rejected 0, failed 0$/m);
            result.stdout.should.match(/^SEQN 1\.\.50, lost 0/m);
            result.stdout.should.match(/^latency p50 [\d.]+ ms, p99 [\d.]+ ms/m);
            // Not a terminal: no progress line.
            result.stderr.should.not.containEql("\r");
            const stored = await rows(db, "12FA");
            stored.map((r) => r.dataSEQN).should.eql(Array.from({ length: 50 }, (_, i) => i + 1));
            stored.map((r) => r.dataValue).should.eql(values.map(Number));
            JSON.parse(stored[0].dataJSON).should.eql({ value: 300 });
            (await storedSeqn(db, "12FA")).should.equal(50);
        });

        it("a second send resumes from the stored SEQN, in the raw format too", async function () {
            const result = await cli(["send", "--url", url, "--id", "12FA", "--format", "raw", "--count", "5",
                "--value", "-40", "--value", "21.5", "--json"], { env: { WSN_KEY: device.key } });
            result.status.should.equal(0, result.stderr);
            const summary = JSON.parse(result.stdout);
            summary.should.containEql({ sent: 5, acknowledged: 5, rejected: 0, failed: 0, firstSeqn: 51, lastSeqn: 55, format: "raw" });
            const stored = (await rows(db, "12FA")).slice(50);
            stored.map((r) => r.dataSEQN).should.eql([51, 52, 53, 54, 55]);
            stored.map((r) => r.dataValue).should.eql([-40, 21.5, -40, 21.5, -40]);

            const fromDb = await cli(["send", "--url", url, "--db", db, "--id", "12FA", "--data", '{"t":21.5,"h":40}']);
            fromDb.status.should.equal(0, fromDb.stderr);
            const last = (await rows(db, "12FA")).pop();
            last.dataSEQN.should.equal(56);
            JSON.parse(last.dataJSON).should.eql({ t: 21.5, h: 40 });
            (await storedSeqn(db, "12FA")).should.equal(56);
        });

        it("a wrong key fails clearly, exits non-zero and stores nothing", async function () {
            const wrong = "F0E1D2C3B4A5968778695A4B3C2D1E0F";
            knownKeys.add(wrong);
            const before = await rows(db, "12FA");
            for (const format of ["passphrase", "raw"]) {
                // The SEQN reply does not decrypt: nothing is sent at all.
                const result = await cli(["send", "--url", url, "--id", "12FA", "--format", format, "--count", "5"], { env: { WSN_KEY: wrong } });
                result.status.should.equal(1);
                result.stderr.should.match(/wrong key for device 12FA: the backend's SEQN reply does not decrypt with it/);
                result.stdout.should.equal("");
                // Sent anyway (--start skips the read): the backend cannot decrypt it, and the run stops.
                const forced = await cli(["send", "--url", url, "--id", "12FA", "--format", format, "--count", "5", "--start", "100"], { env: { WSN_KEY: wrong } });
                forced.status.should.equal(1);
                forced.stderr.should.match(/wrong key for device 12FA: the backend cannot decrypt the message \(400 cannot_decrypt\)/);
                forced.stdout.should.match(/^sent 1, acknowledged 0, rejected 0, failed 1 \(cannot_decrypt 1\)$/m);
            }
            (await rows(db, "12FA")).should.eql(before);
            (await storedSeqn(db, "12FA")).should.equal(56);
        });

        it("reports replayed and stale SEQNs as rejected, and stores nothing", async function () {
            const before = await rows(db, "12FA");
            const result = await cli(["send", "--url", url, "--id", "12FA", "--start", "55", "--count", "2", "--json"], { env: { WSN_KEY: device.key } });
            result.status.should.equal(1);
            const summary = JSON.parse(result.stdout);
            summary.should.containEql({ sent: 2, acknowledged: 0, rejected: 2, failed: 0 });
            summary.codes.should.eql({ stale: 1, replay: 1 });
            result.stderr.should.match(/2 message\(s\) refused with 409/);
            (await rows(db, "12FA")).should.eql(before);
        });

        it("reports an unknown device and an unreachable backend", async function () {
            const unknown = await cli(["send", "--url", url, "--id", "NOBODY"], { env: { WSN_KEY: device.key } });
            unknown.status.should.equal(1);
            unknown.stderr.should.match(/device NOBODY is not provisioned on the backend at http:\/\/127\.0\.0\.1:\d+ \(404 unknown_device\)/);

            const closedPort = await backend.freePort();
            const unreachable = await cli(["send", "--url", `http://127.0.0.1:${closedPort}`, "--id", "12FA"], { env: { WSN_KEY: device.key } });
            unreachable.status.should.equal(1);
            unreachable.stderr.should.match(new RegExp(`cannot reach the backend at http://127\\.0\\.0\\.1:${closedPort}: connection refused`));
        });

        it("with --concurrency and --interval, stores each acknowledged message exactly once", async function () {
            const other = await provision(db, ["--id", "BURST"]);
            const result = await cli(["send", "--url", url, "--id", "BURST", "--count", "40", "--concurrency", "4", "--interval", "5", "--json"], { env: { WSN_KEY: other.key } });
            const summary = JSON.parse(result.stdout);
            (summary.acknowledged + summary.rejected).should.equal(40);
            summary.failed.should.equal(0);
            result.status.should.equal(summary.rejected === 0 ? 0 : 1);
            const stored = await rows(db, "BURST");
            stored.length.should.equal(summary.acknowledged);
            new Set(stored.map((r) => r.dataSEQN)).size.should.equal(stored.length);
            (await storedSeqn(db, "BURST")).should.equal(Math.max(...stored.map((r) => r.dataSEQN)));
        });
    });

    describe("seal, open, encrypt, decrypt", function () {
        const key = "2B7E151628AED2A6ABF7158809CF4F3C";
        let device;

        before(async function () {
            knownKeys.add(key);
            device = await provision(db, ["--id", "CURL", "--key", key]);
        });

        it("seal makes the body a device posts; the backend stores it and open reads the ack", async function () {
            const formats = { passphrase: /^\{"msg":"U2FsdGVkX1[A-Za-z0-9+/=]+"\}$/, raw: /^\{"iv":"[A-Za-z0-9+/=]{24}","data":"[A-Za-z0-9+/=]+"\}$/ };
            let seqn = 120;
            for (const format of Object.keys(formats)) {
                seqn++;
                const sealed = await cli(["seal", "--format", format, JSON.stringify({ data: { value: 300 }, SEQN: seqn })], { env: { WSN_KEY: device.key } });
                sealed.status.should.equal(0, sealed.stderr);
                const body = sealed.stdout.trim();
                body.should.match(formats[format]);
                const reply = await fetch(`${url}/data/CURL`, { method: "POST", headers: { "content-type": "application/json" }, body });
                reply.status.should.equal(200);
                const opened = await cli(["open"], { input: await reply.text(), env: { WSN_KEY: device.key } });
                opened.status.should.equal(0, opened.stderr);
                JSON.parse(opened.stdout).should.eql({ SEQN: seqn, ack: true, lost: seqn === 121 ? 120 : 0 });
            }
            (await rows(db, "CURL")).map((r) => [r.dataSEQN, r.dataValue]).should.eql([[121, 300], [122, 300]]);

            const replayed = await cli(["open", '{"error":"replay"}'], { env: { WSN_KEY: device.key } });
            replayed.status.should.equal(1);
            replayed.stderr.should.match(/an error reply from the backend, not a sealed message: replay/);
        });

        it("seal --seqn builds the message, and --curl prints a whole curl command", async function () {
            const built = await cli(["seal", "--seqn", "7", "--value", "-40", "--curl", `${url}/data/CURL`], { env: { WSN_KEY: device.key } });
            built.status.should.equal(0, built.stderr);
            const match = built.stdout.match(/^curl -sS -H 'content-type: application\/json' -d '(\{"msg":"[^']+"\})' '(http:\/\/127\.0\.0\.1:\d+\/data\/CURL)'\n$/);
            should.exist(match, built.stdout);
            const opened = await cli(["open", match[1]], { env: { WSN_KEY: device.key } });
            JSON.parse(opened.stdout).should.eql({ data: { value: -40 }, SEQN: 7 });
            const seqnOnly = await cli(["seal", "--seqn", "9"], { env: { WSN_KEY: device.key } });
            const reopened = await cli(["open"], { input: seqnOnly.stdout, env: { WSN_KEY: device.key } });
            JSON.parse(reopened.stdout).should.eql({ SEQN: 9 });
        });

        it("open reads the GET reply in both formats", async function () {
            const stored = await storedSeqn(db, "CURL");
            for (const query of ["", "?format=raw"]) {
                const reply = await fetch(`${url}/wsn/CURL${query}`);
                const opened = await cli(["open", "--key", key], { input: await reply.text() });
                opened.status.should.equal(0, opened.stderr);
                JSON.parse(opened.stdout).should.eql({ SEQN: stored });
            }
        });

        it("encrypt and decrypt round-trip in both formats, from arguments and stdin", async function () {
            for (const format of ["passphrase", "raw"]) {
                const encrypted = await cli(["encrypt", "--key", key, "--format", format, "IT WORKS!!"]);
                encrypted.status.should.equal(0, encrypted.stderr);
                const decrypted = await cli(["decrypt", "--key", key], { input: encrypted.stdout });
                decrypted.status.should.equal(0, decrypted.stderr);
                decrypted.stdout.should.equal("IT WORKS!!\n");
                const piped = await cli(["encrypt", "--key", key, "--format", format], { input: "from stdin\n" });
                (await cli(["decrypt", "--key", key, piped.stdout.trim()])).stdout.should.equal("from stdin\n");
            }
            const wrong = await cli(["decrypt", "--key", "F0E1D2C3B4A5968778695A4B3C2D1E0F"], {
                input: (await cli(["encrypt", "--key", key, "secret"])).stdout
            });
            wrong.status.should.equal(1);
            wrong.stderr.should.match(/cannot decrypt: wrong key/);
            wrong.stdout.should.equal("");
        });
    });

    describe("the authenticated format (auth)", function () {
        let device;

        /** The challenge of a fresh authenticated SEQN reply, read with the CLI's open. */
        async function freshChallenge(id, key) {
            const reply = await fetch(`${url}/wsn/${id}?nonce=test-${Date.now()}`);
            const opened = await cli(["open", "--id", id, "--format", "auth"], { input: await reply.text(), env: { WSN_KEY: key } });
            opened.status.should.equal(0, opened.stderr);
            return JSON.parse(opened.stdout).challenge;
        }

        before(async function () {
            device = await provision(db, ["--id", "AUTH", "--formats", "auth"]);
        });

        it("provisions an auth-only device, and list shows its formats", async function () {
            device.should.containEql({ id: "AUTH", seqn: 0, formats: "auth" });
            (await backend.query(db, "SELECT deviceFormats FROM Devices WHERE deviceID = 'AUTH'")).should.eql([{ deviceFormats: "auth" }]);
            const text = await cli(["list", "--db", db]);
            text.stdout.should.match(/^AUTH +0 +0 +- +auth$/m);
        });

        it("sends 20 values in the auth format: every one acknowledged with a valid tag and stored", async function () {
            const values = Array.from({ length: 20 }, (_, i) => String(i * 1.5));
            const result = await cli(["send", "--url", url, "--id", "AUTH", "--format", "auth", "--json"].concat(values), { env: { WSN_KEY: device.key } });
            result.status.should.equal(0, result.stderr);
            JSON.parse(result.stdout).should.containEql({ sent: 20, acknowledged: 20, rejected: 0, failed: 0, firstSeqn: 1, lastSeqn: 20, format: "auth" });
            const stored = await rows(db, "AUTH");
            stored.map((r) => r.dataSEQN).should.eql(Array.from({ length: 20 }, (_, i) => i + 1));
            stored.map((r) => r.dataValue).should.eql(values.map(Number));
            (await storedSeqn(db, "AUTH")).should.equal(20);
        });

        it("a legacy-format send to the auth-only device fails clearly and stores nothing", async function () {
            const before = await rows(db, "AUTH");
            const viaGet = await cli(["send", "--url", url, "--id", "AUTH", "--count", "3"], { env: { WSN_KEY: device.key } });
            viaGet.status.should.equal(1);
            viaGet.stderr.should.match(/device AUTH may not use the passphrase format: the backend answered GET \/wsn\/AUTH in the authenticated format.*use --format auth/);
            viaGet.stdout.should.equal("");
            for (const format of ["passphrase", "raw"]) {
                const forced = await cli(["send", "--url", url, "--id", "AUTH", "--format", format, "--start", "21", "--count", "3"], { env: { WSN_KEY: device.key } });
                forced.status.should.equal(1);
                forced.stderr.should.match(new RegExp(`device AUTH may not use the ${format} format \\(403 format_not_allowed\\).*--format auth`));
                forced.stdout.should.match(/^sent 1, acknowledged 0, rejected 0, failed 1 \(format_not_allowed 1\)$/m);
            }
            (await rows(db, "AUTH")).should.eql(before);
            (await storedSeqn(db, "AUTH")).should.equal(20);
        });

        it("resync sets the SEQN with a fresh challenge; a stale or spent challenge is refused", async function () {
            const stale = await freshChallenge("AUTH", device.key);
            // resync asks for its own challenge, which replaces the one above.
            const first = await cli(["resync", "--url", url, "--id", "AUTH", "--seqn", "100"], { env: { WSN_KEY: device.key } });
            first.status.should.equal(0, first.stderr);
            first.stdout.should.equal("device AUTH: SEQN 20 -> 100, acknowledged\n");
            (await storedSeqn(db, "AUTH")).should.equal(100);

            const refused = await cli(["resync", "--url", url, "--id", "AUTH", "--seqn", "200", "--challenge", stale], { env: { WSN_KEY: device.key } });
            refused.status.should.equal(1);
            refused.stderr.should.match(/refused the reset of device AUTH \(403 bad_challenge\)/);
            refused.stdout.should.equal("");
            (await storedSeqn(db, "AUTH")).should.equal(100);

            // A challenge is good once: the second reset with it is refused.
            const challenge = await freshChallenge("AUTH", device.key);
            const once = await cli(["resync", "--url", url, "--id", "AUTH", "--seqn", "150", "--challenge", challenge, "--json"], { env: { WSN_KEY: device.key } });
            once.status.should.equal(0, once.stderr);
            JSON.parse(once.stdout).should.eql({ device: "AUTH", previous: null, seqn: 150 });
            const twice = await cli(["resync", "--url", url, "--id", "AUTH", "--seqn", "160", "--challenge", challenge], { env: { WSN_KEY: device.key } });
            twice.status.should.equal(1);
            twice.stderr.should.match(/403 bad_challenge/);

            // Resets only move forward.
            const back = await cli(["resync", "--url", url, "--id", "AUTH", "--seqn", "150"], { env: { WSN_KEY: device.key } });
            back.status.should.equal(1);
            back.stderr.should.match(/refused the reset of device AUTH to SEQN 150 \(409 replay\)/);
            (await storedSeqn(db, "AUTH")).should.equal(150);

            // Data carries on from the new SEQN.
            const sent = await cli(["send", "--url", url, "--id", "AUTH", "--format", "auth", "7"], { env: { WSN_KEY: device.key } });
            sent.status.should.equal(0, sent.stderr);
            (await rows(db, "AUTH")).pop().dataSEQN.should.equal(151);
        });

        it("does not trust an authenticated SEQN reply that echoes another nonce (a replayed one)", async function () {
            const recorded = await (await fetch(`${url}/wsn/AUTH?nonce=recorded`)).text();
            let posts = 0;
            const replayer = http.createServer(function (req, res) {
                if (req.method !== "GET") { posts++; }
                res.setHeader("content-type", "application/json");
                res.end(recorded);
            });
            await new Promise((resolve) => replayer.listen(0, "127.0.0.1", resolve));
            try {
                const fake = `http://127.0.0.1:${replayer.address().port}`;
                for (const args of [["send", "--format", "auth"], ["resync", "--seqn", "999"]]) {
                    const result = await cli(args.concat(["--url", fake, "--id", "AUTH"]), { env: { WSN_KEY: device.key } });
                    result.status.should.equal(1, args.join(" "));
                    result.stderr.should.match(/answered with another nonce than the one sent: an old or replayed reply, not trusted/);
                }
                posts.should.equal(0);
            } finally {
                replayer.close();
            }
        });

        it("a wrong key fails clearly in the auth format, before anything is sent", async function () {
            const wrong = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";
            knownKeys.add(wrong);
            const before = await rows(db, "AUTH");
            for (const args of [["send", "--format", "auth"], ["resync", "--seqn", "999"]]) {
                const result = await cli(args.concat(["--url", url, "--id", "AUTH"]), { env: { WSN_KEY: wrong } });
                result.status.should.equal(1);
                result.stderr.should.match(/wrong key for device AUTH: the backend's authenticated SEQN reply does not verify with it/);
            }
            (await rows(db, "AUTH")).should.eql(before);
            (await storedSeqn(db, "AUTH")).should.equal(151);
        });

        it("seal --format auth --id makes a body the backend stores; open --format auth --id reads its ack", async function () {
            const sealed = await cli(["seal", "--format", "auth", "--id", "AUTH", "--seqn", "160", "--value", "300"], { env: { WSN_KEY: device.key } });
            sealed.status.should.equal(0, sealed.stderr);
            const body = sealed.stdout.trim();
            body.should.match(/^\{"auth":"[A-Za-z0-9+/=]+"\}$/);
            const reply = await fetch(`${url}/data/AUTH`, { method: "POST", headers: { "content-type": "application/json" }, body });
            reply.status.should.equal(200);
            const ack = await reply.text();
            const opened = await cli(["open", "--id", "AUTH", "--format", "auth"], { input: ack, env: { WSN_KEY: device.key } });
            opened.status.should.equal(0, opened.stderr);
            JSON.parse(opened.stdout).should.eql({ SEQN: 160, ack: true, lost: 8 });
            (await rows(db, "AUTH")).pop().should.containEql({ dataSEQN: 160, dataValue: 300 });

            // The request opens as a request only, and only for its device.
            const request = await cli(["open", "--id", "AUTH", body], { env: { WSN_KEY: device.key } });
            JSON.parse(request.stdout).should.eql({ data: { value: 300 }, SEQN: 160 });
            for (const args of [["--id", "AUTX"], ["--id", "AUTH", "--direction", "reply"]]) {
                const refused = await cli(["open"].concat(args, [body]), { env: { WSN_KEY: device.key } });
                refused.status.should.equal(1);
                refused.stderr.should.match(/cannot open: wrong key, device id or direction/);
            }
            const noId = await cli(["open", body], { env: { WSN_KEY: device.key } });
            noId.status.should.equal(1);
            noId.stderr.should.match(/authenticated format.*give the device id with --id/);
            const asRaw = await cli(["open", "--format", "raw", body], { env: { WSN_KEY: device.key } });
            asRaw.status.should.equal(1);
            asRaw.stderr.should.match(/not in the raw format/);
            const legacy = await cli(["open", "--format", "auth", (await cli(["seal", "--seqn", "1"], { env: { WSN_KEY: device.key } })).stdout], { env: { WSN_KEY: device.key } });
            legacy.status.should.equal(1);
            legacy.stderr.should.match(/not in the auth format/);
        });
    });
});
