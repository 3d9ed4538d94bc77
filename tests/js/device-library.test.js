"use strict";
// The device library (device/arduino/WsnCrypto) on the host: built with
// g++ -std=c++17 -Wall -Wextra -Werror against Debian's BearSSL and mbedTLS
// (the two crypto backends the boards' cores ship), plus once with
// AddressSanitizer and UndefinedBehaviorSanitizer, and run over the shared
// vectors (tests/vectors/auth.json, turned into lines here) and the
// library's own checks (tests/device/library_test.cpp).

const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync, spawnSync } = require("child_process");
const should = require("should");

const ROOT = path.join(__dirname, "..", "..");
const LIBRARY = path.join(ROOT, "device", "arduino", "WsnCrypto", "src");
const TEST_SOURCE = path.join(ROOT, "tests", "device", "library_test.cpp");
const VECTORS = require("../vectors/auth.json");

const BUILDS = [
    { name: "BearSSL", define: "WSN_BACKEND_BEARSSL", lib: "bearssl", flags: [] },
    { name: "mbedTLS", define: "WSN_BACKEND_MBEDTLS", lib: "mbedcrypto", flags: [] },
    { name: "BearSSL under ASan and UBSan", define: "WSN_BACKEND_BEARSSL", lib: "bearssl",
        flags: ["-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"] }
];
const GROUPS = ["vectors", "refused", "conversation", "counter", "codec", "names"];
// The backend's error codes: what a refusal carries in its "error" member.
const BACKEND_CODES = [...fs.readFileSync(path.join(ROOT, "src", "error.rs"), "utf8").matchAll(/=> "([a-z0-9_]+)",?$/gm)].map((m) => m[1]);

/** The vectors as the C++ test reads them: one line each, text fields in hex. */
function vectorLines() {
    const hex = (text) => Buffer.from(text, "utf8").toString("hex");
    const lines = VECTORS.vectors.map((v, i) => ["vector", i, v.kind, v.key, hex(v.deviceId), v.seqn, v.iv,
        hex(v.plaintext), v.request || "-", v.tag, v.auth].join(" "));
    VECTORS.refused.forEach((v, i) => lines.push(["refused", i, v.key, hex(v.deviceId), v.request || "-", v.auth].join(" ")));
    return lines.join("\n") + "\n";
}

function compile(build, out) {
    const sources = fs.readdirSync(LIBRARY).filter((f) => f.endsWith(".cpp")).map((f) => path.join(LIBRARY, f));
    const args = ["-std=c++17", "-Wall", "-Wextra", "-Werror", ...build.flags, `-D${build.define}`, `-I${LIBRARY}`,
        ...sources, TEST_SOURCE, `-l${build.lib}`, "-o", out];
    const result = spawnSync("g++", args, { encoding: "utf8" });
    if (result.status !== 0) {
        throw new Error(`g++ ${build.name} failed:\n${result.stderr || result.error}`);
    }
}

describe("device library on the host (g++, BearSSL and mbedTLS)", function () {
    this.timeout(180000);
    let dir;
    let vectorFile;

    before(function () {
        // The set-up installs the compilers and libraries once (a no-op when present).
        execFileSync("bash", [path.join(ROOT, "scripts", "lib", "ensure-device-tools.sh")], { stdio: "inherit" });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-device-lib-"));
        vectorFile = path.join(dir, "vectors.txt");
        fs.writeFileSync(vectorFile, vectorLines());
    });

    after(function () {
        if (dir) { fs.rmSync(dir, { recursive: true, force: true }); }
    });

    for (const build of BUILDS) {
        describe(build.name, function () {
            let binary;
            before(function () {
                binary = path.join(dir, `library_test_${BUILDS.indexOf(build)}`);
                compile(build, binary);
            });
            for (const group of GROUPS) {
                it(`${group}: every check passes`, function () {
                    const result = spawnSync(binary, [group, vectorFile], { encoding: "utf8" });
                    const lines = result.stdout.trim().split("\n");
                    const failed = lines.filter((line) => line.startsWith("not ok"));
                    failed.should.eql([], `${group} on ${build.name}:\n${failed.join("\n")}\n${result.stderr}`);
                    should(result.status).equal(0, result.stderr);
                    const summary = lines[lines.length - 1];
                    const count = Number(/^(\d+) checks, 0 failed$/.exec(summary)[1]);
                    if (group === "vectors") { count.should.equal(VECTORS.vectors.length * 5 + VECTORS.vectors.filter((v) => v.request).length); }
                    if (group === "refused") { count.should.equal(VECTORS.refused.length); }
                    count.should.be.above(0);
                });
            }
            it("names every status apart from the backend's error codes", function () {
                const result = spawnSync(binary, ["names"], { encoding: "utf8" });
                const names = [...result.stdout.matchAll(/^ok - status (-?\d+) is (\w+)$/gm)].map((m) => m[2]);
                names.length.should.equal(14, result.stdout);
                BACKEND_CODES.should.containEql("bad_format");
                BACKEND_CODES.length.should.be.above(15);
                // "rng" is the same failure on both sides (no random bytes), so it may share its name.
                names.filter((name) => name !== "rng" && BACKEND_CODES.includes(name)).should.eql([]);
                names.should.containDeep(["not_sealed", "unexpected_reply", "seqn_mismatch"]);
            });
        });
    }
});
