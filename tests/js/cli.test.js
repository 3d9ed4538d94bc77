"use strict";
// The wsn-crypto CLI (bin/wsn-crypto.js), run as a subprocess the way a user
// runs it, against a real Node-RED with the shipped flows and the real SQLite
// node on a free loopback port. Every run checks that no key shows up in the
// output of any command but provision.

const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");
const should = require("should");
const backend = require("../../scripts/lib/backend.js");

const { runCli } = require("./helpers/cli.js");
const COMMANDS = ["init", "migrate", "provision", "list", "remove", "new-kek", "wrap-keys", "rewrap", "send", "resync", "seal", "open", "encrypt", "decrypt"];
const HEX_KEY_128 = /^[0-9A-F]{32}$/;

// Every key a test has seen: none may appear in a command's output unless
// the command is provision.
const knownKeys = new Set();

/**
 * Runs the CLI (tests/js/helpers/cli.js: options input, env, cwd, cli);
 * resolves to {status, stdout, stderr} after the check that no key was printed.
 */
async function cli(args, options) {
    const { status, stdout, stderr } = await runCli(args, options);
    if (args[0] !== "provision") {
        for (const key of knownKeys) {
            if (stdout.includes(key) || stderr.includes(key)) {
                throw new Error(`wsn-crypto ${args[0]} printed a key:\n${stdout}\n${stderr}`);
            }
        }
    }
    return { status, stdout, stderr };
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

async function storedFormats(db, id) {
    const found = await backend.query(db, "SELECT deviceFormats FROM Devices WHERE deviceID = ?", [id]);
    return found.length ? found[0].deviceFormats : undefined;
}

/** The kind letter and header SEQN of an {"auth"} body's message (README section The authenticated format, "Message"). */
function authHeader(bodyText) {
    const bytes = Buffer.from(JSON.parse(bodyText).auth, "base64");
    return { kind: String.fromCharCode(bytes[1]), seqn: Number(bytes.readBigUInt64BE(2)) };
}

/** An HTTP server on a free loopback port; `handle(req, body, res)` answers. */
async function server(handle) {
    const requests = [];
    const http_ = http.createServer(function (req, res) {
        const chunks = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", function () {
            const body = Buffer.concat(chunks).toString("utf8");
            requests.push({ method: req.method, path: req.url, body });
            handle(req, body, res);
        });
    });
    await new Promise((resolve) => http_.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${http_.address().port}`,
        requests,
        close: () => new Promise((resolve) => http_.close(resolve))
    };
}

/** A proxy in front of the backend that records every request it forwards. */
function recordingProxy(target) {
    return server(function (req, body, res) {
        const upstream = http.request(new URL(req.url, target), { method: req.method, headers: req.headers }, function (reply) {
            res.writeHead(reply.statusCode, reply.headers);
            reply.pipe(res);
        });
        upstream.on("error", function () { res.statusCode = 502; res.end(); });
        upstream.end(body);
    });
}

/** A fake backend that answers every request with status and text. */
function fakeBackend(answer) {
    return server(function (req, body, res) {
        const { status, text } = answer(req, body);
        res.statusCode = status;
        res.setHeader("content-type", "application/json");
        res.end(text);
    });
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
            const helps = {};
            for (const command of COMMANDS) {
                const result = await cli([command, "--help"]);
                result.status.should.equal(0, command);
                result.stdout.should.startWith(`Usage: wsn-crypto ${command}`);
                // Version 1's reset challenges and nonce GETs are gone.
                result.stdout.should.not.match(/\?nonce|--challenge|bad_challenge/, command);
                helps[command] = result.stdout;
            }
            helps.init.should.match(/no sqlite3 shell needed/);
            helps.migrate.should.match(/Refuses a FILE that does not exist/);
            helps.provision.should.match(/default: auth, the authenticated format only/);
            helps.provision.should.match(/An empty list is refused/);
            helps.list.should.match(/\(legacy: passphrase,raw\)/);
            helps.list.should.match(/none \(locked out\)/);
            helps.seal.should.match(/--kind K/);
            helps.seal.should.match(/query +POST \/wsn\/:id/);
            helps.open.should.match(/--request-body REQUEST/);
            helps.send.should.match(/auth \(default\)/);
            helps.resync.should.match(/auth \(default\) or passphrase; raw is always refused/);
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
                // send speaks auth unless told otherwise.
                [["send", "--id", "X", "--key", "not-hex"], /auth format needs a key of 32, 48 or 64 hex digits/],
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
                // An empty list would lock the device out: never read as "every format".
                [["provision", "--db", path.join(os.tmpdir(), "never.db"), "--formats", ""], /--formats must name at least one format/],
                [["provision", "--db", path.join(os.tmpdir(), "never.db"), "--formats=,"], /--formats must name at least one format/],
                [["seal", "--key", "K", "--kind", "query", "{}"], /--kind goes with --format auth/],
                [["seal", "--key", "2B7E151628AED2A6ABF7158809CF4F3C", "--format", "auth", "--id", "X", "--kind", "probe"], /--kind must be one of: query, reset, data/],
                [["seal", "--key", "2B7E151628AED2A6ABF7158809CF4F3C", "--format", "auth", "--id", "X", "--kind", "data", "--seqn", "1"], /a data message needs a data object/],
                [["seal", "--key", "2B7E151628AED2A6ABF7158809CF4F3C", "--format", "auth", "--id", "X", "--kind", "reset", '{"data":{"value":1},"SEQN":1}'], /a reset carries no data/],
                [["seal", "--key", "2B7E151628AED2A6ABF7158809CF4F3C", "--format", "auth", "--id", "X", "--kind", "reset", "{}"], /a reset needs its SEQN/],
                [["open", "--key", "K", "--id", "X", "--request-body", "{}", "x"], /--request-body must be an authenticated request body/],
                [["open", "--key", "K", "--id", "X", "--request-body", path.join(os.tmpdir(), "no-such-request.json"), "x"], /--request-body must be .* or a file holding it; no such file/],
                [["resync", "--id", "X", "--key", "2B7E151628AED2A6ABF7158809CF4F3C", "--seqn", "1", "--format", "base64"], /--format must be one of: passphrase, raw, auth/],
                [["resync", "--id", "X", "--key", "2B7E151628AED2A6ABF7158809CF4F3C"], /--seqn is required/],
                [["open", "--key", "K", "--direction", "sideways", "x"], /--direction must be one of: request, reply/]
            ];
            for (const [args, pattern] of cases) {
                const result = await cli(args);
                result.status.should.equal(2, args.join(" "));
                result.stderr.should.match(pattern);
                result.stdout.should.equal("");
            }
            fs.existsSync(path.join(os.tmpdir(), "never.db")).should.be.false();
        });
    });

    describe("init and migrate: the product makes and upgrades its schema", function () {
        // The tables as the first release made them: no Devices.deviceFormats,
        // no Data.dataLost, and version 1's Challenges table.
        const FIRST_SCHEMA = [
            "CREATE TABLE Devices (deviceID TEXT PRIMARY KEY NOT NULL, deviceKey TEXT NOT NULL, deviceSQN INTEGER NOT NULL DEFAULT 0)",
            "CREATE TABLE Data (dataID INTEGER PRIMARY KEY, deviceID TEXT NOT NULL, dataDate TEXT NOT NULL, dataValue NUMERIC, " +
                "dataSEQN INTEGER NOT NULL, dataJSON TEXT NOT NULL, UNIQUE (deviceID, dataSEQN))",
            "CREATE TABLE Challenges (deviceID TEXT PRIMARY KEY NOT NULL, nonce TEXT NOT NULL)",
            "INSERT INTO Devices VALUES ('OLD1', '2B7E151628AED2A6ABF7158809CF4F3C', 7)",
            "INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataJSON) VALUES ('OLD1', '2024-01-01T00:00:00.000Z', 3, 7, '{\"value\":3}')"
        ];

        async function firstReleaseDatabase(file) {
            const sqlite3 = require(path.join(backend.ROOT, "node_modules", "sqlite3"));
            const db = new sqlite3.Database(file);
            await new Promise((resolve, reject) => db.exec(FIRST_SCHEMA.join(";\n"), (e) => (e ? reject(e) : resolve())));
            await new Promise((resolve) => db.close(resolve));
        }

        const objects = (file) => backend.query(file, "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
        const columns = (file, table) => backend.query(file, "SELECT name FROM pragma_table_info(?) ORDER BY cid", [table]).then((r) => r.map((c) => c.name));

        it("init creates the database; run again it changes nothing and says so", async function () {
            const file = path.join(tmp, "init.db");
            const first = await cli(["init", "--db", file]);
            first.status.should.equal(0, first.stderr);
            first.stdout.should.equal(`${file}: created with the wsn-crypto schema (tables Devices, Data)\n`);
            (await objects(file)).should.eql([
                { type: "index", name: "Data_by_device_date" },
                { type: "table", name: "Data" },
                { type: "table", name: "Devices" },
                { type: "trigger", name: "Data_advances_deviceSQN" }
            ]);
            (await columns(file, "Devices")).should.eql(["deviceID", "deviceKey", "deviceSQN", "deviceFormats"]);
            const before = await objects(file);
            for (const command of ["init", "migrate"]) {
                const again = await cli([command, "--db", file, "--json"]);
                again.status.should.equal(0, again.stderr);
                JSON.parse(again.stdout).should.eql({ db: file, created: false, changed: false, addedColumns: [], createdTables: [] });
            }
            (await objects(file)).should.eql(before);
        });

        it("migrate upgrades a first-release database, keeping its rows; its devices keep every format", async function () {
            const file = path.join(tmp, "first-release.db");
            await firstReleaseDatabase(file);
            const result = await cli(["migrate", "--db", file]);
            result.status.should.equal(0, result.stderr);
            result.stdout.should.match(/upgraded to the wsn-crypto schema: added Devices.deviceFormats \(its devices keep every format: passphrase,raw,auth\), Data.dataLost/);
            (await backend.query(file, "SELECT deviceID, deviceSQN, deviceFormats FROM Devices"))
                .should.eql([{ deviceID: "OLD1", deviceSQN: 7, deviceFormats: "passphrase,raw,auth" }]);
            (await backend.query(file, "SELECT dataSEQN, dataValue, dataLost, dataJSON FROM Data"))
                .should.eql([{ dataSEQN: 7, dataValue: 3, dataLost: 0, dataJSON: "{\"value\":3}" }]);
            (await objects(file)).map((o) => o.name).should.not.containEql("Challenges");
            // A device provisioned after the upgrade gets the schema's default.
            await provision(file, ["--id", "NEW1"]);
            (await storedFormats(file, "NEW1")).should.equal("auth");
            const again = await cli(["migrate", "--db", file]);
            again.stdout.should.equal(`${file}: already at the wsn-crypto schema, nothing to do\n`);
        });

        it("migrate refuses a database file that does not exist, and creates none", async function () {
            const file = path.join(tmp, "typo.db");
            const result = await cli(["migrate", "--db", file]);
            result.status.should.equal(1);
            result.stderr.should.equal(`wsn-crypto migrate: there is no database at ${file} (wsn-crypto init --db ${file} creates one, as does provisioning a device)\n`);
            fs.existsSync(file).should.be.false();
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
            tables.map((t) => t.name).should.eql(["Data", "Data_advances_deviceSQN", "Devices"]);
            // The id stays text: "0012" must not become 12.
            (await backend.query(fresh, "SELECT deviceID, deviceKey, deviceSQN, deviceFormats FROM Devices")).should.eql([
                { deviceID: "0012", deviceKey: key, deviceSQN: 0, deviceFormats: "auth" }
            ]);
            result.stderr.should.match(/, formats auth;/);
            result.stderr.should.not.match(/warning/);

            const second = await provision(fresh, []);
            second.id.should.match(/^[0-9A-F]{6}$/);
            second.key.should.match(HEX_KEY_128);
            second.key.should.not.equal(key);
        });

        it("provision without --formats gives auth only, even where the column's default is every format", async function () {
            const device = await provision(db, ["--id", "DEFAULT"]);
            device.formats.should.equal("auth");
            (await storedFormats(db, "DEFAULT")).should.equal("auth");

            // A database upgraded from before per-device formats has 'passphrase,raw,auth' as the
            // column's default: provision writes auth out instead of leaving it to the table.
            const upgraded = path.join(tmp, "upgraded.db");
            fs.writeFileSync(upgraded, "");   // an empty file is an empty SQLite database
            await backend.write(upgraded, "CREATE TABLE Devices (deviceID TEXT PRIMARY KEY NOT NULL, deviceKey TEXT NOT NULL, " +
                "deviceSQN INTEGER NOT NULL DEFAULT 0, deviceFormats TEXT NOT NULL DEFAULT 'passphrase,raw,auth')");
            const old = await provision(upgraded, ["--id", "OLDDB"]);
            old.formats.should.equal("auth");
            (await storedFormats(upgraded, "OLDDB")).should.equal("auth");

            // --formats "" is refused before the database is touched.
            const empty = await cli(["provision", "--db", db, "--id", "EMPTY", "--formats", ""]);
            empty.status.should.equal(2);
            empty.stderr.should.match(/--formats must name at least one format \(e\.g\. auth\): a device with none is refused every request/);
            empty.stdout.should.equal("");
            (await storedFormats(db, "EMPTY") === undefined).should.be.true();
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
            // Without --formats a rotation keeps the device's formats.
            rotated.formats.should.equal("auth");
            (await storedSeqn(db, "ROTATE")).should.equal(3);
            const old = await cli(["send", "--url", url, "--id", "ROTATE"], { env: { WSN_KEY: device.key } });
            old.status.should.equal(1);
            old.stderr.should.match(/wrong key for device ROTATE: the backend cannot verify the SEQN query \(400 cannot_decrypt\)/);
            old.stdout.should.equal("");

            const missing = await cli(["provision", "--db", db, "--id", "NOSUCH", "--rotate"]);
            missing.status.should.equal(1);
            missing.stderr.should.match(/device NOSUCH does not exist/);
        });

        it("lists devices with their SEQN and rows, never their keys", async function () {
            const device = await provision(db, ["--id", "LISTED"]);
            const text = await cli(["list", "--db", db]);
            text.status.should.equal(0, text.stderr);
            text.stdout.should.match(/^DEVICE +SEQN +ROWS +LAST DATA +FORMATS +KEY$/m);
            // No KEK configured: the key is plain, shown by its fingerprint only.
            text.stdout.should.match(/^LISTED +0 +0 +- +auth +plain [0-9a-f]{16}$/m);
            text.stdout.should.not.containEql(device.key);
            const json = await cli(["list", "--db", db, "--json"]);
            json.status.should.equal(0, json.stderr);
            const listed = JSON.parse(json.stdout).find((d) => d.id === "LISTED");
            listed.should.eql({ id: "LISTED", seqn: 0, rows: 0, lastData: null, formats: "auth", key: { wrapped: false, fingerprint: device.fingerprint } });

            const missing = await cli(["list", "--db", path.join(tmp, "typo.db")]);
            missing.status.should.equal(1);
            missing.stderr.should.match(/there is no database at/);
            fs.existsSync(path.join(tmp, "typo.db")).should.be.false();
        });

        it("provision warns in one line what legacy formats cost; list flags them and a locked-out device", async function () {
            const legacy = await cli(["provision", "--db", db, "--id", "LEGACY", "--formats", "passphrase,raw,auth", "--json"]);
            legacy.status.should.equal(0, legacy.stderr);
            knownKeys.add(JSON.parse(legacy.stdout).key);
            JSON.parse(legacy.stdout).formats.should.equal("passphrase,raw,auth");
            const warnings = legacy.stderr.split("\n").filter((line) => /warning/.test(line));
            warnings.length.should.equal(1);
            warnings[0].should.match(/^wsn-crypto provision: warning: device LEGACY may use the legacy formats passphrase and raw, which are unauthenticated \(malleable AES-CBC; a recorded GET reply can be replayed to a rebooted device\); raw cannot reset its SEQN; use --formats auth/);
            const passphraseOnly = await cli(["provision", "--db", db, "--id", "LEGACY2", "--formats", "passphrase,auth"]);
            passphraseOnly.status.should.equal(0, passphraseOnly.stderr);
            knownKeys.add(passphraseOnly.stdout.match(/^key +([0-9A-F]+)$/m)[1]);
            passphraseOnly.stderr.should.match(/warning: device LEGACY2 may use the legacy format passphrase, which is unauthenticated/);
            passphraseOnly.stderr.should.not.match(/raw cannot reset/);
            await provision(db, ["--id", "MODERN"]);
            // Locked out: written by hand, as an operator might (the CLI refuses to).
            await backend.write(db, "INSERT INTO Devices (deviceID, deviceKey, deviceSQN, deviceFormats) VALUES ('LOCKED', ?, 0, '')", ["00112233445566778899AABBCCDDEEFF"]);
            knownKeys.add("00112233445566778899AABBCCDDEEFF");

            const text = await cli(["list", "--db", db]);
            text.status.should.equal(0, text.stderr);
            text.stdout.should.match(/^LEGACY +0 +0 +- +passphrase,raw,auth \(legacy: passphrase,raw\) +plain [0-9a-f]{16}$/m);
            text.stdout.should.match(/^LEGACY2 +0 +0 +- +passphrase,auth \(legacy: passphrase\) +plain [0-9a-f]{16}$/m);
            text.stdout.should.match(/^LOCKED +0 +0 +- +none \(locked out\) +plain [0-9a-f]{16}$/m);
            text.stdout.should.match(/^MODERN +0 +0 +- +auth +plain [0-9a-f]{16}$/m);
            // The machine-readable list keeps the formats as stored.
            const listed = JSON.parse((await cli(["list", "--db", db, "--json"])).stdout);
            listed.find((d) => d.id === "LEGACY").formats.should.equal("passphrase,raw,auth");
            listed.find((d) => d.id === "LOCKED").formats.should.equal("");
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
            // The demo device keeps the legacy formats, as the article's curl tests need.
            device = await provision(db, ["--id", "12FA", "--formats", "passphrase,raw,auth"]);
        });

        it("sends 50 values in the passphrase format: every one is acknowledged and stored with its SEQN", async function () {
            const values = Array.from({ length: 50 }, (_, i) => String(300 + i));
            const result = await cli(["send", "--url", url, "--id", "12FA", "--format", "passphrase"].concat(values), { env: { WSN_KEY: device.key } });
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

            // The key from the database; the format auth, send's default.
            const fromDb = await cli(["send", "--url", url, "--db", db, "--id", "12FA", "--data", '{"t":21.5,"h":40}', "--json"]);
            fromDb.status.should.equal(0, fromDb.stderr);
            JSON.parse(fromDb.stdout).should.containEql({ format: "auth", firstSeqn: 56, lastSeqn: 56, acknowledged: 1 });
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

        it("reports replayed and stale SEQNs as rejected in a legacy format, and stores nothing", async function () {
            const before = await rows(db, "12FA");
            const result = await cli(["send", "--url", url, "--id", "12FA", "--format", "passphrase", "--start", "55", "--count", "2", "--json"], { env: { WSN_KEY: device.key } });
            result.status.should.equal(1);
            const summary = JSON.parse(result.stdout);
            // An unauthenticated refusal says nothing the device may trust: the SEQNs just count up.
            summary.should.containEql({ sent: 2, acknowledged: 0, rejected: 2, failed: 0, resynced: 0, firstSeqn: 55, lastSeqn: 56 });
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
            device = await provision(db, ["--id", "CURL", "--key", key, "--formats", "passphrase,raw,auth"]);
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

        before(async function () {
            device = await provision(db, ["--id", "AUTH", "--formats", "auth"]);
        });

        it("provisions an auth-only device, and list shows its formats", async function () {
            device.should.containEql({ id: "AUTH", seqn: 0, formats: "auth" });
            (await backend.query(db, "SELECT deviceFormats FROM Devices WHERE deviceID = 'AUTH'")).should.eql([{ deviceFormats: "auth" }]);
            const text = await cli(["list", "--db", db]);
            text.stdout.should.match(/^AUTH +0 +0 +- +auth +plain [0-9a-f]{16}$/m);
        });

        it("sends 20 values in the auth format: every one acknowledged with a valid tag and stored", async function () {
            const values = Array.from({ length: 20 }, (_, i) => String(i * 1.5));
            const proxy = await recordingProxy(url);
            let result;
            try {
                result = await cli(["send", "--url", proxy.url, "--id", "AUTH", "--format", "auth", "--json"].concat(values), { env: { WSN_KEY: device.key } });
            } finally {
                await proxy.close();
            }
            result.status.should.equal(0, result.stderr);
            JSON.parse(result.stdout).should.containEql({ sent: 20, acknowledged: 20, rejected: 0, failed: 0, firstSeqn: 1, lastSeqn: 20, format: "auth" });
            // One authenticated SEQN query (no GET, no nonce), then one data message per value.
            proxy.requests.map((r) => `${r.method} ${r.path}`).should.eql(["POST /wsn/AUTH"].concat(values.map(() => "POST /data/AUTH")));
            authHeader(proxy.requests[0].body).should.eql({ kind: "Q", seqn: 0 });
            proxy.requests.slice(1).map((r) => authHeader(r.body)).should.eql(values.map((_, i) => ({ kind: "D", seqn: i + 1 })));
            const stored = await rows(db, "AUTH");
            stored.map((r) => r.dataSEQN).should.eql(Array.from({ length: 20 }, (_, i) => i + 1));
            stored.map((r) => r.dataValue).should.eql(values.map(Number));
            (await storedSeqn(db, "AUTH")).should.equal(20);
        });

        it("a legacy-format send to the auth-only device fails clearly and stores nothing", async function () {
            const before = await rows(db, "AUTH");
            for (const format of ["passphrase", "raw"]) {
                // The legacy SEQN read (GET /wsn/:id) is refused: nothing is sent.
                const viaGet = await cli(["send", "--url", url, "--id", "AUTH", "--format", format, "--count", "3"], { env: { WSN_KEY: device.key } });
                viaGet.status.should.equal(1);
                viaGet.stderr.should.match(new RegExp(`device AUTH may not use the ${format} format \\(403 format_not_allowed\\).*--format auth`));
                viaGet.stdout.should.equal("");
                const forced = await cli(["send", "--url", url, "--id", "AUTH", "--format", format, "--start", "21", "--count", "3"], { env: { WSN_KEY: device.key } });
                forced.status.should.equal(1);
                forced.stderr.should.match(new RegExp(`device AUTH may not use the ${format} format \\(403 format_not_allowed\\).*--format auth`));
                forced.stdout.should.match(/^sent 1, acknowledged 0, rejected 0, failed 1 \(format_not_allowed 1\)$/m);
            }
            (await rows(db, "AUTH")).should.eql(before);
            (await storedSeqn(db, "AUTH")).should.equal(20);
        });

        it("resync sets the SEQN with one authenticated reset; at or below the stored SEQN it is refused with the sealed SEQN", async function () {
            const proxy = await recordingProxy(url);
            try {
                const first = await cli(["resync", "--url", proxy.url, "--id", "AUTH", "--seqn", "100"], { env: { WSN_KEY: device.key } });
                first.status.should.equal(0, first.stderr);
                first.stdout.should.equal("device AUTH: SEQN set to 100, acknowledged\n");
                // One round trip: the reset, with kind and SEQN in its authenticated header.
                proxy.requests.map((r) => `${r.method} ${r.path}`).should.eql(["POST /wsn/AUTH"]);
                authHeader(proxy.requests[0].body).should.eql({ kind: "S", seqn: 100 });
            } finally {
                await proxy.close();
            }
            (await storedSeqn(db, "AUTH")).should.equal(100);

            const json = await cli(["resync", "--url", url, "--id", "AUTH", "--seqn", "150", "--json"], { env: { WSN_KEY: device.key } });
            json.status.should.equal(0, json.stderr);
            JSON.parse(json.stdout).should.eql({ device: "AUTH", seqn: 150, format: "auth" });

            // Resets only move forward; the sealed refusal says where the SEQN is.
            const again = await cli(["resync", "--url", url, "--id", "AUTH", "--seqn", "150"], { env: { WSN_KEY: device.key } });
            again.status.should.equal(1);
            again.stderr.should.match(/refused the reset of device AUTH to SEQN 150 \(409 replay\): its SEQN is already 150 \(sealed refusal\).*resync --seqn 151 or more/);
            again.stdout.should.equal("");
            const back = await cli(["resync", "--url", url, "--id", "AUTH", "--seqn", "120"], { env: { WSN_KEY: device.key } });
            back.status.should.equal(1);
            back.stderr.should.match(/refused the reset of device AUTH to SEQN 120 \(409 stale\): its SEQN is already 150 \(sealed refusal\)/);
            (await storedSeqn(db, "AUTH")).should.equal(150);

            // Data carries on from the new SEQN.
            const sent = await cli(["send", "--url", url, "--id", "AUTH", "--format", "auth", "7"], { env: { WSN_KEY: device.key } });
            sent.status.should.equal(0, sent.stderr);
            (await rows(db, "AUTH")).pop().dataSEQN.should.equal(151);
        });

        it("regression: a recorded SEQN reply or ack is not trusted as the answer to a new request", async function () {
            const stored = await storedSeqn(db, "AUTH");
            // A real SEQN reply, to a query the CLI sealed: bound to that query's tag only.
            const query = (await cli(["seal", "--format", "auth", "--id", "AUTH", "--kind", "query"], { env: { WSN_KEY: device.key } })).stdout.trim();
            authHeader(query).should.eql({ kind: "Q", seqn: 0 });
            const answered = await fetch(`${url}/wsn/AUTH`, { method: "POST", headers: { "content-type": "application/json" }, body: query });
            answered.status.should.equal(200);
            const recorded = await answered.text();
            const replayer = await fakeBackend(() => ({ status: 200, text: recorded }));
            try {
                const send = await cli(["send", "--url", replayer.url, "--id", "AUTH", "--format", "auth"], { env: { WSN_KEY: device.key } });
                send.status.should.equal(1);
                send.stderr.should.match(/answered a SEQN reply that does not verify as the answer to this query: .*not trusted/);
                const resync = await cli(["resync", "--url", replayer.url, "--id", "AUTH", "--seqn", "999"], { env: { WSN_KEY: device.key } });
                resync.status.should.equal(1);
                resync.stderr.should.match(/acknowledgement that does not verify as the answer to this reset: the SEQN it stored is unknown/);
                // Nothing went on to send data on the strength of the replayed reply.
                replayer.requests.filter((r) => r.path.startsWith("/data/")).should.eql([]);
            } finally {
                await replayer.close();
            }
            (await storedSeqn(db, "AUTH")).should.equal(stored);
        });

        it("regression: a refusal without a valid sealed part, or sealed for another request, never moves the counter", async function () {
            const wary = await provision(db, ["--id", "WARY"]);
            (await cli(["resync", "--url", url, "--id", "WARY", "--seqn", "50"], { env: { WSN_KEY: wary.key } })).status.should.equal(0);
            // A real sealed refusal, naming the stored SEQN 50, but to another request.
            const old = (await cli(["seal", "--format", "auth", "--id", "WARY", "--seqn", "1", "--value", "1"], { env: { WSN_KEY: wary.key } })).stdout.trim();
            const refused = await fetch(`${url}/data/WARY`, { method: "POST", headers: { "content-type": "application/json" }, body: old });
            refused.status.should.equal(409);
            const otherRequests = await refused.text();
            JSON.parse(otherRequests).should.have.properties({ error: "stale" });
            const answers = [
                '{"error":"stale"}',
                otherRequests,
                JSON.stringify({ error: "stale", auth: Buffer.alloc(74, 7).toString("base64") })
            ];
            const fake = await fakeBackend(() => ({ status: 409, text: answers.shift() }));
            let result;
            try {
                result = await cli(["send", "--url", fake.url, "--id", "WARY", "--format", "auth", "--start", "1", "--count", "3", "--json"], { env: { WSN_KEY: wary.key } });
                // Had any been trusted, the next SEQN would have jumped to 51.
                fake.requests.map((r) => authHeader(r.body)).should.eql([1, 2, 3].map((seqn) => ({ kind: "D", seqn })));
            } finally {
                await fake.close();
            }
            result.status.should.equal(1);
            const summary = JSON.parse(result.stdout);
            summary.should.containEql({ sent: 3, acknowledged: 0, rejected: 0, failed: 3, resynced: 0, firstSeqn: 1, lastSeqn: 3 });
            summary.codes.should.eql({ unverified_refusal: 3 });

            const plain = await fakeBackend(() => ({ status: 409, text: '{"error":"replay"}' }));
            try {
                const resync = await cli(["resync", "--url", plain.url, "--id", "WARY", "--seqn", "999"], { env: { WSN_KEY: wary.key } });
                resync.status.should.equal(1);
                resync.stderr.should.match(/answered the reset of device WARY with HTTP 409 replay but no valid sealed refusal for it: .*not trusted/);
            } finally {
                await plain.close();
            }
            (await storedSeqn(db, "WARY")).should.equal(50);
            (await rows(db, "WARY")).should.eql([]);
        });

        it("a wrong key fails clearly in the auth format, and nothing is stored", async function () {
            const wrong = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";
            knownKeys.add(wrong);
            const before = await rows(db, "AUTH");
            const send = await cli(["send", "--url", url, "--id", "AUTH", "--format", "auth"], { env: { WSN_KEY: wrong } });
            send.status.should.equal(1);
            send.stderr.should.match(/wrong key for device AUTH: the backend cannot verify the SEQN query \(400 cannot_decrypt\)/);
            send.stdout.should.equal("");
            const forced = await cli(["send", "--url", url, "--id", "AUTH", "--start", "500", "--count", "3"], { env: { WSN_KEY: wrong } });
            forced.status.should.equal(1);
            forced.stderr.should.match(/wrong key for device AUTH: the backend cannot verify the message \(400 cannot_decrypt\)/);
            forced.stdout.should.match(/^sent 1, acknowledged 0, rejected 0, failed 1 \(cannot_decrypt 1\)$/m);
            const resync = await cli(["resync", "--url", url, "--id", "AUTH", "--seqn", "999"], { env: { WSN_KEY: wrong } });
            resync.status.should.equal(1);
            resync.stderr.should.match(/wrong key for device AUTH: the backend cannot verify the reset \(400 cannot_decrypt\)/);
            (await rows(db, "AUTH")).should.eql(before);
            (await storedSeqn(db, "AUTH")).should.equal(151);
        });

        it("send --format auth: a round trip that counts the SEQNs lost on the way", async function () {
            const lossy = await provision(db, ["--id", "LOSSY"]);
            // A device whose first messages never arrived: it starts at 5.
            const first = await cli(["send", "--url", url, "--id", "LOSSY", "--start", "5", "--count", "3", "--json"], { env: { WSN_KEY: lossy.key } });
            first.status.should.equal(0, first.stderr);
            JSON.parse(first.stdout).should.containEql({ sent: 3, acknowledged: 3, rejected: 0, failed: 0, lost: 4, firstSeqn: 5, lastSeqn: 7, format: "auth" });
            const text = await cli(["send", "--url", url, "--id", "LOSSY", "21.5", "22"], { env: { WSN_KEY: lossy.key } });
            text.status.should.equal(0, text.stderr);
            text.stdout.should.match(/^sent 2, acknowledged 2, rejected 0, failed 0$/m);
            text.stdout.should.match(/^SEQN 8\.\.9, lost 0 /m);
            (await backend.query(db, "SELECT dataSEQN, dataLost, dataValue FROM Data WHERE deviceID = 'LOSSY' ORDER BY dataSEQN")).should.eql([
                { dataSEQN: 5, dataLost: 4, dataValue: 1 },
                { dataSEQN: 6, dataLost: 0, dataValue: 2 },
                { dataSEQN: 7, dataLost: 0, dataValue: 3 },
                { dataSEQN: 8, dataLost: 0, dataValue: 21.5 },
                { dataSEQN: 9, dataLost: 0, dataValue: 22 }
            ]);
        });

        it("a sealed refusal resynchronises send in one round trip: the next message goes above its SEQN", async function () {
            const behind = await provision(db, ["--id", "BEHIND"]);
            const sent = await cli(["send", "--url", url, "--id", "BEHIND", "--count", "2"], { env: { WSN_KEY: behind.key } });
            sent.status.should.equal(0, sent.stderr);
            // Another client (the device before a reboot, say) moved the SEQN far ahead.
            const moved = await cli(["resync", "--url", url, "--id", "BEHIND", "--seqn", "500"], { env: { WSN_KEY: behind.key } });
            moved.status.should.equal(0, moved.stderr);

            // A device that still counts from 3: the first message is refused (stale) with the
            // sealed SEQN 500, and the next two go to 501 and 502 without a new query. The
            // refused message is not sent again: it counts as rejected.
            const proxy = await recordingProxy(url);
            let result;
            try {
                result = await cli(["send", "--url", proxy.url, "--id", "BEHIND", "--start", "3", "--count", "3", "--json"], { env: { WSN_KEY: behind.key } });
            } finally {
                await proxy.close();
            }
            result.status.should.equal(1);
            const summary = JSON.parse(result.stdout);
            summary.should.containEql({ sent: 3, acknowledged: 2, rejected: 1, failed: 0, resynced: 1, resyncedTo: 500, firstSeqn: 3, lastSeqn: 502 });
            summary.codes.should.eql({ stale: 1 });
            result.stderr.should.match(/1 message\(s\) refused with 409.*the sealed refusals named the stored SEQN, and the run carried on above 500/);
            proxy.requests.map((r) => `${r.method} ${r.path}`).should.eql(["POST /data/BEHIND", "POST /data/BEHIND", "POST /data/BEHIND"]);
            proxy.requests.map((r) => authHeader(r.body).seqn).should.eql([3, 501, 502]);
            (await rows(db, "BEHIND")).map((r) => r.dataSEQN).should.eql([1, 2, 501, 502]);
            (await storedSeqn(db, "BEHIND")).should.equal(502);

            // The same in text: the summary says so.
            const text = await cli(["send", "--url", url, "--id", "BEHIND", "--start", "10", "--count", "2"], { env: { WSN_KEY: behind.key } });
            text.status.should.equal(1);
            text.stdout.should.match(/^sent 2, acknowledged 1, rejected 1, failed 0 \(stale 1\)$/m);
            text.stdout.should.match(/^resynchronised by 1 sealed refusal\(s\): carried on above the stored SEQN 502$/m);
            (await storedSeqn(db, "BEHIND")).should.equal(503);
        });

        it("resync in the passphrase format for a legacy device; a raw-format reset is refused with a clear message", async function () {
            const legacy = await provision(db, ["--id", "OLDFW", "--formats", "passphrase,raw,auth"]);
            const set = await cli(["resync", "--url", url, "--id", "OLDFW", "--seqn", "40", "--format", "passphrase", "--json"], { env: { WSN_KEY: legacy.key } });
            set.status.should.equal(0, set.stderr);
            JSON.parse(set.stdout).should.eql({ device: "OLDFW", seqn: 40, format: "passphrase" });
            (await storedSeqn(db, "OLDFW")).should.equal(40);
            const again = await cli(["resync", "--url", url, "--id", "OLDFW", "--seqn", "40", "--format", "passphrase"], { env: { WSN_KEY: legacy.key } });
            again.status.should.equal(1);
            again.stderr.should.match(/refused the reset of device OLDFW to SEQN 40 \(409 replay\)/);

            const raw = await cli(["resync", "--url", url, "--id", "OLDFW", "--seqn", "50", "--format", "raw"], { env: { WSN_KEY: legacy.key } });
            raw.status.should.equal(1);
            raw.stdout.should.equal("");
            raw.stderr.split("\n").filter(Boolean).length.should.equal(1);
            raw.stderr.should.match(/^wsn-crypto resync: the backend refuses SEQN resets in the raw format \(403 format_not_allowed\).*reset with --format auth \(or --format passphrase for a legacy device\)\n$/);
            (await storedSeqn(db, "OLDFW")).should.equal(40);

            // The auth reset works for it too, and moves on from there.
            const auth = await cli(["resync", "--url", url, "--id", "OLDFW", "--seqn", "60"], { env: { WSN_KEY: legacy.key } });
            auth.status.should.equal(0, auth.stderr);
            (await storedSeqn(db, "OLDFW")).should.equal(60);
            // A passphrase reset to an auth-only device: 403, said so.
            const stored = await storedSeqn(db, "AUTH");
            const authOnly = await cli(["resync", "--url", url, "--id", "AUTH", "--seqn", "900", "--format", "passphrase"], { env: { WSN_KEY: device.key } });
            authOnly.status.should.equal(1);
            authOnly.stderr.should.match(/device AUTH may not use the passphrase format \(403 format_not_allowed\)/);
            (await storedSeqn(db, "AUTH")).should.equal(stored);
        });

        it("seal --format auth --id makes a body the backend stores; open --request-body reads its ack and refusal", async function () {
            const sealed = await cli(["seal", "--format", "auth", "--id", "AUTH", "--seqn", "160", "--value", "300"], { env: { WSN_KEY: device.key } });
            sealed.status.should.equal(0, sealed.stderr);
            const body = sealed.stdout.trim();
            body.should.match(/^\{"auth":"[A-Za-z0-9+/=]+"\}$/);
            // --value makes it a data message, by default.
            authHeader(body).should.eql({ kind: "D", seqn: 160 });
            const reply = await fetch(`${url}/data/AUTH`, { method: "POST", headers: { "content-type": "application/json" }, body });
            reply.status.should.equal(200);
            const ack = await reply.text();
            const opened = await cli(["open", "--id", "AUTH", "--format", "auth", "--request-body", body], { input: ack, env: { WSN_KEY: device.key } });
            opened.status.should.equal(0, opened.stderr);
            JSON.parse(opened.stdout).should.eql({ SEQN: 160, ack: true, lost: 8 });
            (await rows(db, "AUTH")).pop().should.containEql({ dataSEQN: 160, dataValue: 300 });

            // The request body from a file works too.
            const file = path.join(tmp, "request.json");
            fs.writeFileSync(file, sealed.stdout);
            const fromFile = await cli(["open", "--id", "AUTH", "--request-body", file, ack], { env: { WSN_KEY: device.key } });
            JSON.parse(fromFile.stdout).should.eql({ SEQN: 160, ack: true, lost: 8 });
            // A reply opens only for its request.
            const noRequest = await cli(["open", "--id", "AUTH", ack], { env: { WSN_KEY: device.key } });
            noRequest.status.should.equal(1);
            noRequest.stderr.should.match(/bound to the request it answers: give that request's body with --request-body/);
            const other = (await cli(["seal", "--format", "auth", "--id", "AUTH", "--seqn", "160", "--value", "300"], { env: { WSN_KEY: device.key } })).stdout.trim();
            const otherRequest = await cli(["open", "--id", "AUTH", "--request-body", other, ack], { env: { WSN_KEY: device.key } });
            otherRequest.status.should.equal(1);
            otherRequest.stderr.should.match(/cannot open: .*a reply to another request than --request-body/);

            // Sent again: refused, and the sealed part of the refusal opens for this request.
            const again = await fetch(`${url}/data/AUTH`, { method: "POST", headers: { "content-type": "application/json" }, body });
            again.status.should.equal(409);
            const refusal = await cli(["open", "--id", "AUTH", "--request-body", body], { input: await again.text(), env: { WSN_KEY: device.key } });
            refusal.status.should.equal(0, refusal.stderr);
            JSON.parse(refusal.stdout).should.eql({ error: "replay", SEQN: 160 });

            // The request opens as a request only, and only for its device.
            const request = await cli(["open", "--id", "AUTH", body], { env: { WSN_KEY: device.key } });
            JSON.parse(request.stdout).should.eql({ data: { value: 300 }, SEQN: 160 });
            for (const args of [["--id", "AUTX"], ["--id", "AUTH", "--direction", "reply", "--request-body", other]]) {
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

        it("seal --kind query and a reset by seal: the curl way, each reply opened with its request", async function () {
            const query = await cli(["seal", "--format", "auth", "--id", "AUTH", "--kind", "query", "--curl", `${url}/wsn/AUTH`], { env: { WSN_KEY: device.key } });
            query.status.should.equal(0, query.stderr);
            const match = query.stdout.match(/^curl -sS -H 'content-type: application\/json' -d '(\{"auth":"[^']+"\})' '(http:\/\/127\.0\.0\.1:\d+\/wsn\/AUTH)'\n$/);
            should.exist(match, query.stdout);
            authHeader(match[1]).should.eql({ kind: "Q", seqn: 0 });
            const seqnReply = await fetch(match[2], { method: "POST", headers: { "content-type": "application/json" }, body: match[1] });
            seqnReply.status.should.equal(200);
            const stored = await storedSeqn(db, "AUTH");
            const seqn = await cli(["open", "--id", "AUTH", "--request-body", match[1]], { input: await seqnReply.text(), env: { WSN_KEY: device.key } });
            JSON.parse(seqn.stdout).should.eql({ SEQN: stored });

            // --seqn alone seals a reset.
            const target = stored + 10;
            const reset = (await cli(["seal", "--format", "auth", "--id", "AUTH", "--seqn", String(target)], { env: { WSN_KEY: device.key } })).stdout.trim();
            authHeader(reset).should.eql({ kind: "S", seqn: target });
            const ack = await fetch(`${url}/wsn/AUTH`, { method: "POST", headers: { "content-type": "application/json" }, body: reset });
            ack.status.should.equal(200);
            const opened = await cli(["open", "--id", "AUTH", "--request-body", reset], { input: await ack.text(), env: { WSN_KEY: device.key } });
            JSON.parse(opened.stdout).should.eql({ SEQN: target, ack: true });
            (await storedSeqn(db, "AUTH")).should.equal(target);
            // A data message posted to the reset endpoint: the backend refuses its kind.
            const data = (await cli(["seal", "--format", "auth", "--id", "AUTH", "--kind", "data", "--seqn", String(target + 1), "--value", "1"], { env: { WSN_KEY: device.key } })).stdout.trim();
            const wrongKind = await fetch(`${url}/wsn/AUTH`, { method: "POST", headers: { "content-type": "application/json" }, body: data });
            wrongKind.status.should.equal(400);
            JSON.parse(await wrongKind.text()).error.should.equal("wrong_kind");
        });
    });
});
