"use strict";
// Device keys at rest through the CLI (bin/wsn-crypto.js run as a user runs
// it): new-kek, provision with and without a key-encryption key (KEK), list's
// KEY column, the migration (wrap-keys) and the rotation (rewrap), against
// real SQLite files and a real MariaDB (scripts/lib/mariadb.js), including a
// migration killed with SIGKILL mid-transaction. Every run checks that no
// device key shows up in any output but provision's, and no KEK in any output
// but new-kek's.

const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
const { execFileSync } = require("child_process");
const should = require("should");
const backend = require("../../scripts/lib/backend.js");
const mariadb = require("../../scripts/lib/mariadb.js");
const wasm = require("../../pkg/wsn_crypto.js");

const { runCli, keyFile } = require("./helpers/cli.js");
const sqlite3 = require(path.join(backend.ROOT, "node_modules", "sqlite3"));
// Enough devices that wrapping them takes a while: the kill lands mid-transaction.
const MANY = Number(process.env.WSN_KEYS_MANY) || 20000;

const knownKeys = new Set();
const knownKeks = new Set();

/** A fresh KEK text with `label`. */
function kekText(label) {
    const kek = `${label}:${crypto.randomBytes(32).toString("hex")}`;
    knownKeks.add(kek.slice(kek.indexOf(":") + 1));
    return kek;
}

function randomKey() {
    const key = crypto.randomBytes(16).toString("hex").toUpperCase();
    knownKeys.add(key);
    return key;
}

/** Fails if `text` holds any device key or KEK a test has seen (any case). */
function assertNoSecret(text, what, allowKeys, allowKeks) {
    const lower = text.toLowerCase();
    if (!allowKeys) {
        for (const key of knownKeys) {
            if (lower.includes(key.toLowerCase())) { throw new Error(`${what} shows a device key:\n${text.slice(0, 2000)}`); }
        }
    }
    if (!allowKeks) {
        for (const kek of knownKeks) {
            if (lower.includes(kek)) { throw new Error(`${what} shows a KEK:\n${text.slice(0, 2000)}`); }
        }
    }
}

/**
 * Runs the CLI (tests/js/helpers/cli.js; `onStderr(text so far, child)` as
 * stderr arrives); resolves to {status, signal, stdout, stderr} after the
 * secret check.
 */
async function cli(args, options) {
    const result = await runCli(args, options);
    assertNoSecret(result.stdout + result.stderr, `wsn-crypto ${args[0]}`, args[0] === "provision", args[0] === "new-kek");
    return result;
}

async function ok(args, options) {
    const result = await cli(args, options);
    should(result.status).equal(0, `wsn-crypto ${args.join(" ")}:\n${result.stderr}`);
    return result;
}

/** Every device row of an SQLite file: {id: stored key}. */
async function sqliteKeys(file) {
    const rows = await backend.query(file, "SELECT deviceID AS id, deviceKey AS stored FROM Devices ORDER BY deviceID");
    return Object.fromEntries(rows.map((r) => [r.id, r.stored]));
}

/** An SQLite database with the shipped schema (by init) and `devices` ({id: key}) stored plain, in one transaction. */
async function sqliteWithDevices(file, devices) {
    await ok(["init", "--db", file]);
    const db = new sqlite3.Database(file);
    const run = (sql, params) => new Promise((resolve, reject) => db.run(sql, params || [], (e) => (e ? reject(e) : resolve())));
    await run("BEGIN");
    for (const [id, key] of Object.entries(devices)) { await run("INSERT INTO Devices (deviceID, deviceKey) VALUES (?, ?)", [id, key]); }
    await run("COMMIT");
    await new Promise((resolve) => db.close(resolve));
}

function manyDevices(prefix, n) {
    const devices = {};
    for (let i = 0; i < n; i++) { devices[`${prefix}${String(i).padStart(5, "0")}`] = randomKey(); }
    return devices;
}

/**
 * All or nothing: every row is either its original plain key (none wrapped)
 * or, for every row, exactly that key wrapped under `kek` for its id.
 * Returns "plain" or "wrapped".
 */
function assertAllOrNothing(stored, original, kek) {
    Object.keys(stored).sort().should.eql(Object.keys(original).sort(), "no row lost or added");
    const wrapped = Object.keys(original).filter((id) => stored[id] !== original[id]);
    if (wrapped.length === 0) { return "plain"; }
    wrapped.length.should.equal(Object.keys(original).length, "either every key is wrapped or none is");
    for (const id of wrapped) {
        // wrapKey is deterministic: the wrapped row is exactly the original key's wrapping.
        stored[id].should.equal(wasm.wrapKey(original[id], id, kek), `device ${id}`);
    }
    return "wrapped";
}

/** Every row wrapped under `kek` and unwrapping to its original key (same fingerprint as the plain key). */
function assertWrapsTo(stored, original, kek) {
    Object.keys(stored).sort().should.eql(Object.keys(original).sort());
    for (const [id, key] of Object.entries(original)) {
        stored[id].should.equal(wasm.wrapKey(key, id, kek), `device ${id}`);
        wasm.keyInfo(stored[id], id, kek).fingerprint.should.equal(wasm.keyInfo(key, id, undefined).fingerprint);
    }
}

/**
 * Runs wrap-keys and kills it with SIGKILL as soon as it says it started
 * wrapping (inside its transaction, before the first write is committed).
 */
async function killedMigration(target, kekFile, count, env) {
    let killed = false;
    const result = await cli(["wrap-keys", ...target, "--kek", kekFile], {
        env,
        onStderr(text, child) {
            if (!killed && new RegExp(`wrapping ${count} plain device keys`).test(text)) {
                killed = true;
                child.kill("SIGKILL");
            }
        }
    });
    killed.should.be.true(`wrap-keys never said it started: ${result.stderr}`);
    // Killed, not finished: otherwise this would not test an interruption.
    should(result.signal).equal("SIGKILL", `wrap-keys ended before the kill (status ${result.status}): raise WSN_KEYS_MANY`);
    return result;
}

describe("wsn-crypto keys at rest: new-kek, provision, list, wrap-keys, rewrap", function () {
    this.timeout(180000);

    let tmp;
    let oldKek;
    let newKek;
    let wrongKek;
    let oldFile;
    let newFile;
    let wrongFile;

    before(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-cli-keys-"));
        oldKek = kekText("old");
        newKek = kekText("new");
        // The same label as the old KEK, other bytes: the label alone must not pass for the KEK.
        wrongKek = kekText("old");
        oldFile = keyFile(tmp, "old.kek", oldKek);
        newFile = keyFile(tmp, "new.kek", newKek);
        wrongFile = keyFile(tmp, "wrong.kek", wrongKek);
    });

    after(function () {
        if (tmp) { fs.rmSync(tmp, { recursive: true, force: true }); }
    });

    describe("new-kek and where the KEK comes from", function () {
        it("documents the new commands and options in --help", async function () {
            const help = {};
            for (const command of ["new-kek", "wrap-keys", "rewrap", "provision", "list", "send", "resync"]) {
                const result = await ok([command, "--help"]);
                result.stdout.should.startWith(`Usage: wsn-crypto ${command}`);
                help[command] = result.stdout;
            }
            help["wrap-keys"].should.match(/ONE\s+transaction/);
            help["wrap-keys"].should.match(/Refuses to run twice/);
            help.rewrap.should.match(/--from FILE/).and.match(/refuses and changes nothing/);
            help.provision.should.match(/--kek FILE/).and.match(/WSN_MYSQL_URL/);
            help.list.should.match(/kw:k20250101 3f2a9c1e0b7d4a66/).and.match(/Keys are never shown/);
            help.send.should.match(/--kek FILE/);
            const overview = await ok(["--help"]);
            for (const command of ["new-kek", "wrap-keys", "rewrap"]) { overview.stdout.should.match(new RegExp(`^  ${command} `, "m")); }
            overview.stdout.should.match(/never from the command line/);
        });

        it("new-kek prints a fresh <label>:<64 hex> with a hint on stderr; --out writes a 0600 file and never overwrites", async function () {
            const first = await ok(["new-kek", "--label", "rot-2"]);
            first.stdout.should.match(/^rot-2:[0-9a-f]{64}\n$/);
            first.stderr.should.match(/mode 0600.*WSN_KEK_FILE.*never in the database or in flows/);
            const second = await ok(["new-kek"]);
            const today = new Date().toISOString().slice(0, 10).replace(/-/g, "");
            second.stdout.should.match(new RegExp(`^k${today}:[0-9a-f]{64}\\n$`));
            second.stdout.should.not.equal(first.stdout);
            // What it makes is a KEK the core takes.
            wasm.keyInfo(wasm.wrapKey("00112233445566778899AABBCCDDEEFF", "X", first.stdout.trim()), "X", first.stdout.trim()).wrapped.should.be.true();

            const out = path.join(tmp, "made.kek");
            const written = await ok(["new-kek", "--label", "made", "--out", out]);
            written.stdout.should.equal("");
            (fs.statSync(out).mode & 0o777).should.equal(0o600);
            const made = fs.readFileSync(out, "utf8");
            made.should.match(/^made:[0-9a-f]{64}\n$/);
            const again = await cli(["new-kek", "--out", out]);
            again.status.should.equal(1);
            again.stderr.should.match(/exists already: new-kek never overwrites a key file/);
            fs.readFileSync(out, "utf8").should.equal(made);

            const bad = await cli(["new-kek", "--label", "a b"]);
            bad.status.should.equal(2);
            bad.stderr.should.match(/--label must be 1 to 32 characters/);
        });

        it("takes the KEK from --kek FILE or WSN_KEK_FILE / WSN_KEK, never from the command line, and names a bad one without showing it", async function () {
            const db = path.join(tmp, "sources.db");
            // A KEK as a value would land in the shell history: there is no such option.
            const asValue = await cli(["provision", "--db", db, "--kek-text", oldKek]);
            asValue.status.should.equal(2);
            // A file that is not a KEK: refused, before anything is written; its content is not echoed.
            const notKek = keyFile(tmp, "not-a-kek", "secret-looking-text-1234");
            const bad = await cli(["provision", "--db", db, "--kek", notKek]);
            bad.status.should.equal(1);
            bad.stderr.should.match(/does not hold a key-encryption key: it must be one line <label>:<64 hex digits>/);
            bad.stderr.should.not.containEql("secret-looking-text-1234");
            fs.existsSync(db).should.be.false();
            const missing = await cli(["list", "--db", db], { env: { WSN_KEK_FILE: path.join(tmp, "nope.kek") } });
            missing.status.should.equal(1);
            missing.stderr.should.match(/cannot read the key-encryption key file .*nope\.kek \(ENOENT\)/);
            // A key file others can read works, with a warning.
            const loose = path.join(tmp, "loose.kek");
            fs.writeFileSync(loose, oldKek + "\n", { mode: 0o644 });
            fs.chmodSync(loose, 0o644);
            const fromEnv = await ok(["provision", "--db", db, "--id", "ENV1", "--json"], { env: { WSN_KEK_FILE: loose } });
            fromEnv.stderr.should.match(/warning: the key file .*loose\.kek is readable by others \(mode 644\): chmod 600/);
            JSON.parse(fromEnv.stdout).should.containEql({ wrapped: true, kek: "old" });
            const fromText = await ok(["provision", "--db", db, "--id", "ENV2", "--json"], { env: { WSN_KEK: oldKek } });
            JSON.parse(fromText.stdout).should.containEql({ wrapped: true, kek: "old" });
            fromText.stderr.should.not.match(/warning/);
        });
    });

    describe("SQLite", function () {
        it("provision stores the key plain without a KEK (and says so), wrapped with one; --rotate likewise; the key is printed once", async function () {
            const db = path.join(tmp, "provision.db");
            const plain = await ok(["provision", "--db", db, "--id", "PLAIN", "--json"]);
            const plainDevice = JSON.parse(plain.stdout);
            knownKeys.add(plainDevice.key);
            plainDevice.should.containEql({ id: "PLAIN", wrapped: false, kek: null });
            plain.stderr.should.match(/the key of device PLAIN is stored in plain text: no key-encryption key is configured/);

            const wrapped = await ok(["provision", "--db", db, "--id", "WRAP", "--kek", oldFile]);
            const key = wrapped.stdout.match(/^key +([0-9A-F]{32})$/m)[1];
            knownKeys.add(key);
            wrapped.stdout.split(key).length.should.equal(2, "the key is printed once");
            wrapped.stderr.should.match(/key wrapped under KEK old \(fingerprint [0-9a-f]{16}\)/);
            wrapped.stderr.should.not.match(/plain text/);

            let stored = await sqliteKeys(db);
            stored.PLAIN.should.equal(plainDevice.key);
            stored.WRAP.should.startWith("kw1:old:");
            stored.WRAP.should.equal(wasm.wrapKey(key, "WRAP", oldKek));
            stored.WRAP.toLowerCase().should.not.containEql(key.toLowerCase());
            wrapped.stderr.should.containEql(wasm.keyInfo(key, "WRAP", undefined).fingerprint);

            const rotated = JSON.parse((await ok(["provision", "--db", db, "--id", "WRAP", "--rotate", "--json"], { env: { WSN_KEK_FILE: oldFile } })).stdout);
            knownKeys.add(rotated.key);
            rotated.should.containEql({ wrapped: true, kek: "old" });
            rotated.key.should.not.equal(key);
            stored = await sqliteKeys(db);
            stored.WRAP.should.equal(wasm.wrapKey(rotated.key, "WRAP", oldKek));
            // Without the KEK, now that the database holds wrapped keys: refused, nothing changed.
            const rotatedPlain = await cli(["provision", "--db", db, "--id", "PLAIN", "--rotate"]);
            rotatedPlain.status.should.equal(1);
            rotatedPlain.stderr.should.match(/stores its device keys wrapped, and no key-encryption key is configured/);
            (await sqliteKeys(db)).should.eql(stored);
        });

        it("provision without a KEK into a database whose keys are wrapped is refused: no plain key beside them", async function () {
            const db = path.join(tmp, "refuse-plain.db");
            const first = JSON.parse((await ok(["provision", "--db", db, "--id", "W1", "--kek", oldFile, "--json"])).stdout);
            knownKeys.add(first.key);
            const before = await sqliteKeys(db);
            const refused = await cli(["provision", "--db", db, "--id", "W2"]);
            refused.status.should.equal(1);
            refused.stderr.should.match(/stores its device keys wrapped, and no key-encryption key is configured/);
            (await sqliteKeys(db)).should.eql(before);
            // The database file is its owner's only.
            (fs.statSync(db).mode & 0o777).should.equal(0o600);
        });

        it("list shows each key's storage and fingerprint (with its KEK), never a key", async function () {
            const db = path.join(tmp, "list.db");
            // The plain one first: once a key is wrapped, provision wants the KEK.
            const b = JSON.parse((await ok(["provision", "--db", db, "--id", "B1", "--json"])).stdout);
            const a = JSON.parse((await ok(["provision", "--db", db, "--id", "A1", "--kek", oldFile, "--json"])).stdout);
            knownKeys.add(a.key);
            knownKeys.add(b.key);
            const fpA = wasm.keyInfo(a.key, "A1", undefined).fingerprint;
            const fpB = wasm.keyInfo(b.key, "B1", undefined).fingerprint;
            a.fingerprint.should.equal(fpA);

            const withKek = await ok(["list", "--db", db, "--kek", oldFile]);
            withKek.stdout.should.match(/^DEVICE +SEQN +ROWS +LAST DATA +FORMATS +KEY$/m);
            withKek.stdout.should.match(new RegExp(`^A1 +0 +0 +- +auth +kw:old ${fpA}$`, "m"));
            withKek.stdout.should.match(new RegExp(`^B1 +0 +0 +- +auth +plain ${fpB}$`, "m"));
            withKek.stderr.should.match(/1 of 2 device keys are stored in plain text: wsn-crypto wrap-keys/);

            // Without the KEK a wrapped key has no fingerprint to show.
            const without = await ok(["list", "--db", db]);
            without.stdout.should.match(/^A1 +0 +0 +- +auth +kw:old$/m);
            without.stdout.should.not.containEql(fpA);
            // Another KEK of the same label: said, not hidden, and no fingerprint.
            const wrong = await ok(["list", "--db", db, "--kek", wrongFile]);
            wrong.stdout.should.match(/^A1 +0 +0 +- +auth +kw:old \(wrong_kek\)$/m);

            const listed = JSON.parse((await ok(["list", "--db", db, "--json"], { env: { WSN_KEK_FILE: oldFile } })).stdout);
            listed.find((d) => d.id === "A1").key.should.eql({ wrapped: true, label: "old", fingerprint: fpA });
            listed.find((d) => d.id === "B1").key.should.eql({ wrapped: false, fingerprint: fpB });
        });

        it("wrap-keys wraps every plain key in one run, then refuses a second run and changes nothing", async function () {
            const db = path.join(tmp, "migrate.db");
            const original = manyDevices("M", 50);
            await sqliteWithDevices(db, original);
            const noKek = await cli(["wrap-keys", "--db", db]);
            noKek.status.should.equal(1);
            noKek.stderr.should.match(/no key-encryption key: give --kek FILE or set WSN_KEK_FILE/);
            (await sqliteKeys(db)).should.eql(original);

            const first = await ok(["wrap-keys", "--db", db, "--kek", oldFile]);
            first.stderr.should.match(/wrapping 50 plain device keys \(of 50\) under KEK old in one transaction/);
            first.stdout.should.equal(`${db}: wrapped 50 device keys under KEK old\n`);
            const wrapped = await sqliteKeys(db);
            assertWrapsTo(wrapped, original, oldKek);

            const second = await cli(["wrap-keys", "--db", db, "--kek", oldFile]);
            second.status.should.equal(1);
            second.stderr.should.match(/every device key \(50\) is already wrapped: nothing to do; wrap-keys refuses to run twice/);
            (await sqliteKeys(db)).should.eql(wrapped);

            // A new plain key among keys wrapped under another KEK: refused, nothing changed (one KEK per database).
            await backend.write(db, "INSERT INTO Devices (deviceID, deviceKey) VALUES ('LATE', ?)", [randomKey()]);
            const before = await sqliteKeys(db);
            const mixed = await cli(["wrap-keys", "--db", db, "--kek", newFile]);
            mixed.status.should.equal(1);
            mixed.stderr.should.match(/is wrapped already and does not unwrap under this KEK \(kw:old, wrong_kek\); nothing was changed/);
            (await sqliteKeys(db)).should.eql(before);
        });

        it("after wrap-keys the database's files hold none of the old plain keys, byte for byte (secure_delete, the WAL emptied)", async function () {
            const db = path.join(tmp, "scrub.db");
            const original = manyDevices("S", 3000);
            await sqliteWithDevices(db, original);
            // Writes before the migration, as a running Node-RED makes them: page images with the plain keys in the WAL.
            for (const id of Object.keys(original).slice(0, 50)) { await backend.write(db, "UPDATE Devices SET deviceSQN = deviceSQN + 1 WHERE deviceID = ?", [id]); }
            const migrated = await ok(["wrap-keys", "--db", db, "--kek", oldFile]);
            migrated.stderr.should.not.match(/warning/);
            const files = fs.readdirSync(tmp).filter((f) => f.startsWith("scrub.db"));
            const bytes = files.map((f) => fs.readFileSync(path.join(tmp, f)).toString("latin1")).join("").toLowerCase();
            const left = Object.values(original).filter((key) => bytes.includes(key.toLowerCase()));
            left.length.should.equal(0, `${left.length} of ${Object.keys(original).length} plain keys still in ${files.join(", ")}`);
            assertWrapsTo(await sqliteKeys(db), original, oldKek);
        });

        it("rewrap moves every wrapped row to the new KEK in one transaction; the keys still unwrap, fingerprints unchanged", async function () {
            const db = path.join(tmp, "rewrap.db");
            const original = manyDevices("R", 40);
            await sqliteWithDevices(db, original);
            await ok(["wrap-keys", "--db", db, "--kek", oldFile]);
            const plainKey = randomKey();
            await backend.write(db, "INSERT INTO Devices (deviceID, deviceKey) VALUES ('PLAIN', ?)", [plainKey]);
            const fingerprints = (await ok(["list", "--db", db, "--kek", oldFile, "--json"])).stdout;

            const moved = await ok(["rewrap", "--db", db, "--from", oldFile, "--to", newFile, "--json"]);
            JSON.parse(moved.stdout).should.eql({ rewrapped: 40, already: 0, plain: 1, from: "old", to: "new" });
            moved.stderr.should.match(/rewrapping 40 device keys \(of 41\) from KEK old to new in one transaction/);
            const stored = await sqliteKeys(db);
            stored.PLAIN.should.equal(plainKey, "a plain key is left as it is");
            delete stored.PLAIN;
            assertWrapsTo(stored, original, newKek);
            // What list shows under the new KEK is what it showed under the old one, labels aside.
            const after = JSON.parse((await ok(["list", "--db", db, "--kek", newFile, "--json"])).stdout);
            after.map((d) => d.key.fingerprint).should.eql(JSON.parse(fingerprints).map((d) => d.key.fingerprint));
            after.filter((d) => d.key.wrapped).map((d) => d.key.label).should.eql(Array(40).fill("new"));
            // And a wrapped key opens what its device seals, under the new KEK only.
            const id = "R00007";
            const body = wasm.seal({ data: { value: 1 }, SEQN: 1 }, original[id], { format: "auth", deviceId: id, kind: "data" });
            wasm.open(JSON.stringify(body), stored[id], { kek: newKek, deviceId: id, direction: "request" }).message.should.eql({ data: { value: 1 }, SEQN: 1 });
            (() => wasm.open(JSON.stringify(body), stored[id], { kek: oldKek, deviceId: id, direction: "request" })).should.throw({ code: "wrong_kek" });

            const again = await cli(["rewrap", "--db", db, "--from", oldFile, "--to", newFile]);
            again.status.should.equal(1);
            again.stderr.should.match(/every wrapped key \(40\) is already under --to \(kw:new\): nothing to do/);
            const same = await cli(["rewrap", "--db", db, "--from", newFile, "--to", newFile]);
            same.status.should.equal(2);
            same.stderr.should.match(/--from and --to have the same label new/);
        });

        it("rewrap with a wrong --from refuses and changes nothing", async function () {
            const db = path.join(tmp, "wrong-from.db");
            const original = manyDevices("W", 30);
            await sqliteWithDevices(db, original);
            await ok(["wrap-keys", "--db", db, "--kek", oldFile]);
            const before = await sqliteKeys(db);
            const wrong = await cli(["rewrap", "--db", db, "--from", wrongFile, "--to", newFile]);
            wrong.status.should.equal(1);
            wrong.stderr.should.match(/30 device key\(s\) do not unwrap under --from \(first: device W00000, kw:old, wrong_kek\); nothing was changed/);
            (await sqliteKeys(db)).should.eql(before);
            // One row that does not unwrap among rows that do: still nothing changed.
            await backend.write(db, "UPDATE Devices SET deviceKey = ? WHERE deviceID = 'W00029'", [wasm.wrapKey(original.W00029, "W00029", wrongKek)]);
            const oneBad = await sqliteKeys(db);
            const partly = await cli(["rewrap", "--db", db, "--from", oldFile, "--to", newFile]);
            partly.status.should.equal(1);
            partly.stderr.should.match(/1 device key\(s\) do not unwrap under --from \(first: device W00029/);
            (await sqliteKeys(db)).should.eql(oneBad);
        });

        it(`a migration killed with SIGKILL mid-transaction (${MANY} devices) loses nothing; the rerun completes`, async function () {
            const db = path.join(tmp, "killed.db");
            const original = manyDevices("K", MANY);
            await sqliteWithDevices(db, original);
            await killedMigration(["--db", db], oldFile, MANY);
            assertAllOrNothing(await sqliteKeys(db), original, oldKek).should.equal("plain");
            const rerun = await ok(["wrap-keys", "--db", db, "--kek", oldFile, "--json"]);
            JSON.parse(rerun.stdout).should.eql({ wrapped: MANY, kek: "old" });
            assertWrapsTo(await sqliteKeys(db), original, oldKek);
        });

        it("send and resync --db use a wrapped key through the KEK, against a real Node-RED with the same KEK", async function () {
            const dir = path.join(tmp, "node-red");
            const db = path.join(tmp, "backend.db");
            await backend.prepareUserDir({ dir, db, install: "link", devices: [] });
            const device = JSON.parse((await ok(["provision", "--db", db, "--id", "SEND1", "--kek", oldFile, "--json"])).stdout);
            knownKeys.add(device.key);
            // The shipped flows' wsn kek config node reads the environment variable WSN_KEK.
            const server = await backend.startNodeRed({ dir, db, env: { WSN_KEK: oldKek } });
            try {
                const url = `http://127.0.0.1:${server.port}`;
                const none = await cli(["send", "--url", url, "--db", db, "--id", "SEND1", "--count", "1"]);
                none.status.should.equal(1);
                none.stderr.should.match(/device SEND1's key is wrapped \(kw:old\): give its key-encryption key with --kek FILE or WSN_KEK_FILE/);
                const wrong = await cli(["send", "--url", url, "--db", db, "--id", "SEND1", "--count", "1", "--kek", wrongFile]);
                wrong.status.should.equal(1);
                wrong.stderr.should.match(/does not unwrap under the KEK given \(kw:old, wrong_kek\)/);
                const sent = await ok(["send", "--url", url, "--db", db, "--id", "SEND1", "--count", "3", "--json", "--kek", oldFile]);
                JSON.parse(sent.stdout).should.containEql({ sent: 3, acknowledged: 3, rejected: 0, failed: 0 });
                const resynced = await ok(["resync", "--url", url, "--db", db, "--id", "SEND1", "--seqn", "100"], { env: { WSN_KEK_FILE: oldFile } });
                resynced.status.should.equal(0);
                (await backend.query(db, "SELECT deviceSQN FROM Devices WHERE deviceID = 'SEND1'")).should.eql([{ deviceSQN: 100 }]);
                (await backend.query(db, "SELECT COUNT(*) AS n FROM Data WHERE deviceID = 'SEND1'")).should.eql([{ n: 3 }]);
            } catch (error) {
                // The backend's view of a failure (its log holds no key: the nodes' rule).
                error.message += `\nNode-RED log:\n${server.log().split("\n").slice(-30).join("\n")}`;
                throw error;
            } finally {
                await server.stop();
            }
        });

        it(".dump of a wrapped database holds no device key", async function () {
            const db = path.join(tmp, "dump.db");
            const original = manyDevices("D", 200);
            await sqliteWithDevices(db, original);
            const provisioned = JSON.parse((await ok(["provision", "--db", db, "--id", "DNEW", "--json"])).stdout);
            knownKeys.add(provisioned.key);
            await ok(["wrap-keys", "--db", db, "--kek", oldFile]);
            let dump;
            try {
                dump = execFileSync("sqlite3", [db, ".dump"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
            } catch (error) {
                if (error.code !== "ENOENT") { throw error; }
                // No sqlite3 shell: every row of every table, through the module.
                const tables = await backend.query(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
                const parts = [];
                for (const { name } of tables) {
                    // The names come from sqlite_master, quoted as identifiers.
                    parts.push(JSON.stringify(await backend.query(db, `SELECT * FROM "${name.replace(/"/g, '""')}"`)));
                }
                dump = parts.join("\n");
            }
            dump.should.match(/kw1:old:/);
            const lower = dump.toLowerCase();
            for (const key of Object.values(original).concat(provisioned.key)) {
                lower.includes(key.toLowerCase()).should.be.false("the dump holds a device key");
            }
            assertNoSecret(dump, "the dump");
        });
    });

    describe("MariaDB", function () {
        let server;
        let url;

        before(async function () {
            server = await mariadb.start({ dir: path.join(tmp, "mariadb") });
            const database = await server.createDatabase({ database: "wsnkeys", user: "wsnkeys" });
            url = `mysql://${database.user}:${encodeURIComponent(database.password)}@127.0.0.1:${server.port}/${database.database}`;
        });

        after(async function () {
            if (server) { await server.stop(); }
        });

        const keysOf = async function () {
            const rows = await server.query("SELECT deviceID AS id, deviceKey AS stored FROM Devices ORDER BY deviceID", [], "wsnkeys");
            return Object.fromEntries(rows.map((r) => [r.id, r.stored]));
        };

        async function insertPlain(devices) {
            const rows = Object.entries(devices);
            for (let i = 0; i < rows.length; i += 2000) {
                // mysql2 expands the nested array into (?, ?), ... itself: no SQL is built here.
                await server.query("INSERT INTO Devices (deviceID, deviceKey) VALUES ?", [rows.slice(i, i + 2000)], "wsnkeys");
            }
        }

        it("provision and list through WSN_MYSQL_URL (no password on the command line), wrapped with a KEK", async function () {
            const env = { WSN_MYSQL_URL: url };
            const plain = await ok(["provision", "--id", "MY2", "--json"], { env });
            knownKeys.add(JSON.parse(plain.stdout).key);
            const wrapped = JSON.parse((await ok(["provision", "--id", "MY1", "--kek", oldFile, "--json"], { env })).stdout);
            knownKeys.add(wrapped.key);
            plain.stderr.should.match(/stored in plain text/);
            plain.stderr.should.match(/in mysql:\/\/wsnkeys@127\.0\.0\.1:\d+\/wsnkeys/);
            plain.stderr.should.not.containEql(url.split(":")[2].split("@")[0], "no password in a message");
            const stored = await keysOf();
            stored.MY1.should.equal(wasm.wrapKey(wrapped.key, "MY1", oldKek));
            stored.MY2.should.equal(JSON.parse(plain.stdout).key);
            const dup = await cli(["provision", "--id", "MY1", "--kek", oldFile], { env });
            dup.status.should.equal(1);
            dup.stderr.should.match(/device MY1 already exists/);

            const listed = await ok(["list", "--mysql", url, "--kek", oldFile]);
            listed.stdout.should.match(new RegExp(`^MY1 +0 +0 +- +auth +kw:old ${wrapped.fingerprint}$`, "m"));
            listed.stdout.should.match(/^MY2 +0 +0 +- +auth +plain [0-9a-f]{16}$/m);
            // A wrong password: refused by the server, and the URL's password is in no message.
            const badUrl = url.replace(/:[^:@]*@/, ":not-the-password-42@");
            const denied = await cli(["list"], { env: { WSN_MYSQL_URL: badUrl } });
            denied.status.should.equal(1);
            denied.stderr.should.match(/cannot connect to mysql:\/\/wsnkeys@127\.0\.0\.1:\d+\/wsnkeys: ER_ACCESS_DENIED_ERROR/);
            denied.stderr.should.not.containEql("not-the-password-42");
            const both = await cli(["list", "--mysql", url, "--db", "x.db"]);
            both.status.should.equal(2);
            both.stderr.should.match(/either --db FILE or --mysql URL, not both/);
            await server.query("DELETE FROM Devices", [], "wsnkeys");
        });

        it(`a migration killed with SIGKILL mid-transaction (${MANY} devices) loses nothing; the rerun completes and refuses a second run; rewrap moves every row, a wrong --from changes nothing`, async function () {
            // Only these devices: whatever another test left is gone.
            await server.query("DELETE FROM Devices", [], "wsnkeys");
            const original = manyDevices("Q", MANY);
            await insertPlain(original);
            const env = { WSN_MYSQL_URL: url };
            await killedMigration([], oldFile, MANY, env);
            // The server rolled the dead connection's transaction back.
            assertAllOrNothing(await keysOf(), original, oldKek).should.equal("plain");

            const rerun = await ok(["wrap-keys", "--kek", oldFile, "--json"], { env });
            JSON.parse(rerun.stdout).should.eql({ wrapped: MANY, kek: "old" });
            assertWrapsTo(await keysOf(), original, oldKek);
            const twice = await cli(["wrap-keys", "--kek", oldFile], { env });
            twice.status.should.equal(1);
            twice.stderr.should.match(/refuses to run twice/);

            const before = await keysOf();
            const wrong = await cli(["rewrap", "--from", wrongFile, "--to", newFile], { env });
            wrong.status.should.equal(1);
            wrong.stderr.should.match(new RegExp(`${MANY} device key\\(s\\) do not unwrap under --from .*nothing was changed`));
            (await keysOf()).should.eql(before);

            const moved = await ok(["rewrap", "--mysql", url, "--from", oldFile, "--to", newFile, "--json"]);
            JSON.parse(moved.stdout).should.eql({ rewrapped: MANY, already: 0, plain: 0, from: "old", to: "new" });
            assertWrapsTo(await keysOf(), original, newKek);
        });

        it("a database from before keys at rest (deviceKey VARCHAR(128)): a key too long to wrap there is refused with what to do, nothing changed; no schema at all: says to apply it", async function () {
            const old = await server.createDatabase({ database: "wsnnarrow", user: "wsnnarrow" });
            const narrowUrl = `mysql://${old.user}:${encodeURIComponent(old.password)}@127.0.0.1:${server.port}/${old.database}`;
            await server.query("ALTER TABLE Devices MODIFY deviceKey VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL", [], "wsnnarrow");
            // A passphrase of 100 characters: wrapped under a 32-character label it takes 189.
            const passphrase = crypto.randomBytes(50).toString("hex");
            knownKeys.add(passphrase);
            await server.query("INSERT INTO Devices (deviceID, deviceKey) VALUES ('N1', ?), ('N2', ?)", [passphrase, randomKey()], "wsnnarrow");
            const before = await server.query("SELECT deviceID, deviceKey FROM Devices ORDER BY deviceID", [], "wsnnarrow");
            const longLabel = keyFile(tmp, "kek-long-label", kekText("L".repeat(32)));
            const refused = await cli(["wrap-keys", "--kek", longLabel], { env: { WSN_MYSQL_URL: narrowUrl } });
            refused.status.should.equal(1);
            refused.stderr.should.match(/does not fit the database's deviceKey column .*nothing was changed: apply flows\/schema-mysql\.sql again/);
            (await server.query("SELECT deviceID, deviceKey FROM Devices ORDER BY deviceID", [], "wsnnarrow")).should.eql(before);

            await server.query("DROP TABLE Data", [], "wsnnarrow");
            await server.query("DROP TABLE Devices", [], "wsnnarrow");
            const none = await cli(["provision", "--id", "N3"], { env: { WSN_MYSQL_URL: narrowUrl } });
            none.status.should.equal(1);
            none.stderr.should.match(/no wsn-crypto tables: apply flows\/schema-mysql\.sql first/);
        });
    });
});
