"use strict";
// An Arduino sketch built for and run on this machine: the sketch, the
// WsnCrypto library's sources and the shim of the board's core APIs
// (tests/device/shim) compiled with g++ as strictly as the library's own
// host builds (-Wall -Wextra -Werror), with AddressSanitizer and UBSan so
// that a memory error in the library fails the run instead of passing
// silently. One run of the program is one wake of the board: it ends in
// deep sleep (status 0), and the board's memories are files that the
// caller keeps between runs (rtcFile: RTC memory, eepromFile: flash).
// Two boards, each with the defines the Arduino builder passes for it and
// the crypto backend the library takes there: the ESP8266 on BearSSL, the
// ESP32 on mbedTLS.

const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
const { execFile } = require("child_process");

const ROOT = path.resolve(__dirname, "../../..");
const LIBRARY_SRC = path.join(ROOT, "device/arduino/WsnCrypto/src");
const SHIM_DIR = path.join(ROOT, "tests/device/shim");
const EXAMPLES = path.join(ROOT, "device/arduino/WsnCrypto/examples");
const ESP8266_SKETCH = path.join(EXAMPLES, "ESP8266DeepSleep/ESP8266DeepSleep.ino");
const ESP32_SKETCH = path.join(EXAMPLES, "ESP32DeepSleep/ESP32DeepSleep.ino");
const ESP32_MQTT_SKETCH = path.join(EXAMPLES, "ESP32MqttDeepSleep/ESP32MqttDeepSleep.ino");

// -Os as the builders optimise (some warnings only show when optimising).
const COMMON_FLAGS = [
    "-std=c++17", "-Wall", "-Wextra", "-Werror", "-Os", "-g",
    "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
    `-I${SHIM_DIR}`, `-I${LIBRARY_SRC}`
];
// The shim's sources both boards use; each board adds its own.
const COMMON_SHIM = ["Arduino.cpp", "EEPROM.cpp", "WiFiClient.cpp", "shim_http_client.cpp", "PubSubClient.cpp"];
// Per board: what the Arduino builder defines, the library's backend there
// and its library, the shim's board files, the example sketch, and the
// size of what the board's RTC file holds (ESP8266: all 512 bytes of RTC
// user memory; ESP32: its RTC_DATA_ATTR variables, which in the example
// are the one 16-byte record WsnStores.cpp defines for WsnStores.h).
const BOARDS = {
    esp8266: {
        name: "ESP8266",
        defines: ["-DARDUINO=10819", "-DARDUINO_ARCH_ESP8266", "-DESP8266", "-DWSN_BACKEND_BEARSSL"],
        libs: ["-lbearssl"],
        shim: ["Esp.cpp", "ESP8266WiFi.cpp"],
        sketch: ESP8266_SKETCH,
        adcMax: 1023,
        rtcBytes: 512,
        // WsnRtcStore's default block 32 (above the OTA boot loader's blocks), in bytes.
        rtcRecordAt: 128
    },
    esp32: {
        name: "ESP32",
        defines: ["-DARDUINO=10819", "-DARDUINO_ARCH_ESP32", "-DESP32", "-DWSN_BACKEND_MBEDTLS"],
        libs: ["-lmbedcrypto"],
        shim: ["esp_sleep.cpp", "WiFi.cpp"],
        sketch: ESP32_SKETCH,
        adcMax: 4095,
        rtcBytes: 16,
        rtcRecordAt: 0
    }
};
// A wake makes at most four HTTP exchanges of 5 s each (the shim's HTTPClient
// timeout); a run longer than this is a hang.
const RUN_TIMEOUT_MS = 30000;
// Leaks are not this suite's question (the shim's String allocates), and
// LeakSanitizer fails under ptrace on some CI machines.
const SANITIZER_ENV = { ASAN_OPTIONS: "detect_leaks=0:abort_on_error=0", UBSAN_OPTIONS: "print_stacktrace=1" };

let workDir;
const objects = new Map();  // board -> Promise of the library's and the shim's object files, built once per process
const builds = new Map();  // (board, sketch, secrets) -> Promise of a program

function tempDir() {
    if (!workDir) {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-sketch-"));
        process.once("exit", () => fs.rmSync(workDir, { recursive: true, force: true }));
    }
    return workDir;
}

function compile(args) {
    return new Promise(function (resolve, reject) {
        execFile("g++", args, { maxBuffer: 16 * 1024 * 1024 }, function (err, stdout, stderr) {
            if (err) {
                const failure = new Error(`g++ ${args.join(" ")}\nfailed (${err.code === "ENOENT" ? "g++ not found" : `status ${err.code}`}):\n${stderr}${stdout}`);
                reject(failure);
            } else {
                resolve();
            }
        });
    });
}

function sourcesIn(dir) {
    return fs.readdirSync(dir).filter((f) => f.endsWith(".cpp")).sort().map((f) => path.join(dir, f));
}

function boardOf(name) {
    const board = BOARDS[name];
    if (!board) { throw new Error(`no board ${JSON.stringify(name)}; the shim has ${Object.keys(BOARDS).join(", ")}`); }
    return board;
}

function flagsFor(board) {
    return COMMON_FLAGS.concat(board.defines);
}

function buildObjects(boardName) {
    if (!objects.has(boardName)) {
        const board = boardOf(boardName);
        const dir = path.join(tempDir(), `objects-${boardName}`);
        fs.mkdirSync(dir, { recursive: true });
        const shim = COMMON_SHIM.concat(board.shim);
        // A shim source in no board's list would be left out without a word.
        const listed = new Set(COMMON_SHIM.concat(...Object.values(BOARDS).map((b) => b.shim)));
        const unlisted = sourcesIn(SHIM_DIR).map((f) => path.basename(f)).filter((f) => !listed.has(f));
        const sources = sourcesIn(LIBRARY_SRC).concat(shim.map((f) => path.join(SHIM_DIR, f)));
        if (!sources.some((f) => path.basename(f) === "WsnCrypto.cpp")) {
            objects.set(boardName, Promise.reject(new Error(`no WsnCrypto.cpp in ${LIBRARY_SRC}`)));
        } else if (unlisted.length > 0) {
            objects.set(boardName, Promise.reject(new Error(`shim sources in no board's list in sketch-host.js: ${unlisted.join(", ")}`)));
        } else {
            objects.set(boardName, Promise.all(sources.map(function (source) {
                const out = path.join(dir, `${path.basename(path.dirname(source))}-${path.basename(source)}.o`);
                return compile(flagsFor(board).concat(["-c", source, "-o", out])).then(() => out);
            })));
        }
    }
    return objects.get(boardName);
}

/** A C string literal of `text`, whatever it holds. */
function cString(text) {
    const bytes = Buffer.from(String(text), "utf8");
    let out = "\"";
    for (const b of bytes) {
        if (b === 0x22 || b === 0x5c) { out += "\\" + String.fromCharCode(b); }
        else if (b >= 0x20 && b < 0x7f && b !== 0x3f) { out += String.fromCharCode(b); }  // no "?": trigraphs
        else { out += "\\" + b.toString(8).padStart(3, "0"); }
    }
    return out + "\"";
}

/** secrets.h as the sketch's secrets.example.h describes it. */
function secretsHeader(secrets) {
    const values = {
        WIFI_SSID: secrets.ssid || "host-network",
        WIFI_PASSWORD: secrets.password || "host-password",
        WSN_URL: secrets.url,
        WSN_ID: secrets.id,
        WSN_KEY: secrets.key
    };
    // The MQTT example's: its broker and its login (the user name is WSN_ID).
    if (secrets.mqtt) {
        Object.assign(values, { WSN_MQTT_HOST: secrets.mqtt.host, WSN_MQTT_PASSWORD: secrets.mqtt.password });
    }
    return "// Generated by tests/js/helpers/sketch-host.js.\n" +
        Object.entries(values).map(([name, value]) => `#define ${name} ${cString(value)}\n`).join("") +
        (secrets.mqtt ? `#define WSN_MQTT_PORT ${Number(secrets.mqtt.port)}\n` : "");
}

/**
 * Runs the built program once: one wake. `options`: {rtcFile, eepromFile,
 * reading (what analogRead(A0) gives), env}. Resolves {status, signal,
 * stdout, lines, stderr}; `lines` are Serial's, without line ends.
 */
function runProgram(program, options) {
    const env = Object.assign({}, process.env, SANITIZER_ENV, {
        WSN_SHIM_RTC: options.rtcFile,
        WSN_SHIM_EEPROM: options.eepromFile
    }, options.env || {});
    if (options.reading !== undefined) { env.WSN_SHIM_READING = String(options.reading); } else { delete env.WSN_SHIM_READING; }
    return new Promise(function (resolve) {
        execFile(program, [], { env, timeout: RUN_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 4 * 1024 * 1024 }, function (err, stdout, stderr) {
            const status = err ? (typeof err.code === "number" ? err.code : null) : 0;
            const lines = stdout.split(/\r?\n/).filter((l) => l !== "");
            resolve({ status, signal: err ? err.signal || null : null, stdout, lines, stderr });
        });
    });
}

/** -D flags that define `secrets` as the compiler's command line (PlatformIO's build_flags) would. */
function secretsDefines(secrets) {
    const names = { ssid: "WIFI_SSID", password: "WIFI_PASSWORD", url: "WSN_URL", id: "WSN_ID", key: "WSN_KEY" };
    return Object.entries(names).filter(([field]) => secrets[field] !== undefined).map(([field, name]) => `-D${name}=${cString(secrets[field])}`);
}

/**
 * Builds a sketch for `secrets` {url, id, key, ssid?, password?, mqtt?:
 * {host, port, password} for the MQTT example}. `options`:
 * {board: "esp8266" (the default) or "esp32", sketch: an .ino (the board's
 * example by default), secretsFile: a file to use as secrets.h, unchanged
 * (default: one made from `secrets`), defines: secrets given as -D flags
 * instead ({url, id, ...}, as PlatformIO's build_flags give them), sources:
 * more .cpp files of the sketch}; a string is taken as the sketch. The same
 * build is made once per process. Resolves { program, board, run(options) }.
 * A compile error rejects with the compiler's output.
 */
function build(secrets, options) {
    const opts = typeof options === "string" ? { sketch: options } : (options || {});
    const boardName = opts.board || "esp8266";
    const board = boardOf(boardName);
    const ino = path.resolve(opts.sketch || board.sketch);
    const secretsFile = opts.secretsFile ? path.resolve(opts.secretsFile) : null;
    const defines = opts.defines ? secretsDefines(opts.defines) : [];
    const sources = (opts.sources || []).map((f) => path.resolve(f));
    const key = JSON.stringify([boardName, ino, secrets.url, secrets.id, secrets.key, secrets.ssid, secrets.password, secrets.mqtt, secretsFile, defines, sources]);
    if (!builds.has(key)) {
        builds.set(key, (async function () {
            const objectFiles = await buildObjects(boardName);
            const dir = path.join(tempDir(), crypto.createHash("sha256").update(key).digest("hex").slice(0, 16));
            fs.mkdirSync(dir, { recursive: true });
            // The sketch is compiled from a copy beside the generated
            // secrets.h, so that a secrets.h someone left beside the .ino is
            // not the one included. As the Arduino builder does, Arduino.h
            // comes first; #line keeps compiler messages on the .ino.
            fs.writeFileSync(path.join(dir, "secrets.h"), secretsFile ? fs.readFileSync(secretsFile) : secretsHeader(secrets));
            const source = path.join(dir, `${path.basename(ino, ".ino")}.ino.cpp`);
            fs.writeFileSync(source, `#include <Arduino.h>\n#line 1 ${cString(ino)}\n${fs.readFileSync(ino, "utf8")}`);
            const program = path.join(dir, "sketch");
            await compile(flagsFor(board).concat(defines, [source], sources, objectFiles, board.libs, ["-o", program]));
            return { program, board, run: (runOptions) => runProgram(program, runOptions) };
        })());
        // A failed build is not cached: the next call shows the error again.
        builds.get(key).catch(() => builds.delete(key));
    }
    return builds.get(key);
}

module.exports = { build, BOARDS, ESP8266_SKETCH, ESP32_SKETCH, ESP32_MQTT_SKETCH, LIBRARY_SRC, SHIM_DIR };
