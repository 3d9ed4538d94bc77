"use strict";
// What `npm pack` ships: what a Node-RED user installs. The tarball must hold
// the wasm module beside its loader, the nodes, the flows and the examples
// (the editor's Import > Examples reads examples/), and none of the build or
// test tree. The package name is scoped, as Node-RED's packaging guide asks of
// new packages.

const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");
const should = require("should");
const backend = require("../../scripts/lib/backend.js");

// Top-level entries a user's install needs; anything else is a leak from the repository.
const ALLOWED = ["package.json", "README.md", "CHANGELOG.md", "LICENSE", "pkg/", "node-red/", "flows/", "examples/", "bin/", "device/arduino/"];
const FORBIDDEN = ["target/", "tests/", "src/", "scripts/", "bench/", "node_modules/", ".ci/", ".node-red-demo/", "Cargo.toml", "Cargo.lock"];

describe("npm pack tarball", function () {
    let tmp = null;
    let files = null;
    let unpacked = null;
    let manifest = null;

    before(function () {
        this.timeout(60000);
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-pack-"));
        const tarball = backend.packTarball(tmp);
        files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
            .split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
        unpacked = path.join(tmp, "package");
        execFileSync("tar", ["-xzf", tarball, "-C", tmp]);
        manifest = JSON.parse(fs.readFileSync(path.join(unpacked, "package.json"), "utf8"));
    });

    after(function () {
        if (tmp) { fs.rmSync(tmp, { recursive: true, force: true }); }
    });

    it("has a scoped name, node-red-… after the scope", function () {
        manifest.name.should.match(/^@[a-z0-9][a-z0-9._-]*\/node-red-[a-z0-9._-]+$/);
    });

    it("holds the wasm module and its loader, which load from the unpacked package", function () {
        files.should.containDeep(["pkg/wsn_crypto_bg.wasm", "pkg/wsn_crypto.js"]);
        const wasm = fs.readFileSync(path.join(unpacked, "pkg", "wsn_crypto_bg.wasm"));
        wasm.subarray(0, 4).toString("hex").should.equal("0061736d", "wasm magic number");
        // A round trip in a fresh process, so that this checkout's copy (maybe in
        // require's cache already) cannot answer for the packed one.
        const roundTrip = execFileSync(process.execPath, ["-e",
            "const w = require(process.argv[1]); process.stdout.write(w.decrypt(w.encrypt('packed', 'k'), 'k'))",
            path.join(unpacked, manifest.main)], { encoding: "utf8" });
        roundTrip.should.equal("packed");
    });

    it("ships the auth v2 API: the packed module's reply to a query opens bound to it", function () {
        // A device's query, the backend's openRequest and seqn reply, and the
        // device opening it, all with the packed module in a fresh process.
        const script = [
            "const w = require(process.argv[1]);",
            "const key = '2B7E151628AED2A6ABF7158809CF4F3C';",
            "const query = w.seal({}, key, { format: 'auth', deviceId: '12FA', kind: 'query' });",
            "const taken = w.openRequest(JSON.stringify(query), key, 41, { endpoint: 'seqn', deviceId: '12FA', formats: 'auth' });",
            "const reply = w.seal({ SEQN: taken.stored }, key, { format: 'auth', deviceId: '12FA', kind: 'seqn', request: taken.request });",
            "const opened = w.open(JSON.stringify(reply), key, { deviceId: '12FA', direction: 'reply', request: taken.request });",
            "process.stdout.write(JSON.stringify([taken.kind, opened.kind, opened.seqn, opened.message]));"
        ].join("\n");
        const out = execFileSync(process.execPath, ["-e", script, path.join(unpacked, manifest.main)], { encoding: "utf8" });
        JSON.parse(out).should.eql(["query", "seqn", 41, { SEQN: 41 }]);
    });

    it("holds every node the node-red section declares, with its editor file", function () {
        const nodes = manifest["node-red"].nodes;
        Object.keys(nodes).should.containDeep(["wsn-decrypt", "wsn-encrypt"]);
        for (const file of Object.values(nodes)) {
            files.should.containEql(file);
            files.should.containEql(file.replace(/\.js$/, ".html"));
        }
        files.should.containEql("node-red/lib/common.js");
    });

    it("holds the flows, the schema and the examples, and the examples are the flows", function () {
        files.should.containDeep(["flows/wsn-sqlite.json", "flows/schema.sql", "examples/wsn-sqlite.json"]);
        const example = JSON.parse(fs.readFileSync(path.join(unpacked, "examples", "wsn-sqlite.json"), "utf8"));
        const flows = JSON.parse(fs.readFileSync(path.join(unpacked, "flows", "wsn-sqlite.json"), "utf8"));
        example.should.eql(flows);
        example.map((n) => n.type).should.containDeep(["wsn-decrypt", "wsn-encrypt"]);
    });

    it("holds the device library with its examples, and no device secrets", function () {
        files.should.containDeep(["device/arduino/WsnCrypto/library.properties", "device/arduino/WsnCrypto/library.json",
            "device/arduino/WsnCrypto/src/WsnCrypto.h", "device/arduino/WsnCrypto/README.md",
            "device/arduino/WsnCrypto/examples/ESP8266DeepSleep/ESP8266DeepSleep.ino",
            "device/arduino/WsnCrypto/examples/ESP32DeepSleep/secrets.example.h"]);
        files.filter((f) => /secrets\.h$/.test(f)).should.eql([]);
    });

    it("holds README, CHANGELOG and LICENSE", function () {
        files.should.containDeep(["README.md", "CHANGELOG.md", "LICENSE"]);
    });

    it("holds nothing of the build or test tree", function () {
        const leaked = files.filter((f) => FORBIDDEN.some((p) => f === p || f.startsWith(p)));
        leaked.should.eql([]);
        const unexpected = files.filter((f) => !ALLOWED.some((p) => f === p || (p.endsWith("/") && f.startsWith(p))));
        unexpected.should.eql([]);
    });
});
