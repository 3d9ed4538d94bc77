#!/usr/bin/env node
"use strict";
// Cross-compiles the device library (device/arduino/WsnCrypto/src/*.cpp) for
// the two CPUs it ships for and prints what it adds to a firmware image, one
// line per target:
//   esp8266-lx106 <text> <data> <bss>
//   esp32c3-rv32imc <text> <data> <bss>
// in bytes, as Berkeley `size` counts them (text includes read-only data and
// Xtensa literals). The compilers are Debian's (scripts/lib/ensure-device-tools.sh
// installs them), with the flags the boards' Arduino cores use for size; the
// crypto library's headers come from Debian's BearSSL and mbedTLS packages,
// copied into a private include directory so that nothing else of the host's
// /usr/include can leak into a cross build. BearSSL's and mbedTLS's own code
// is not counted: both boards' cores already link it for TLS.
// Run: node scripts/device-size.js [--json]   (exit 1 if any compile fails)
//
// What is measured: the objects are partially linked (ld -r) with
// --gc-sections, keeping the library's public API (every class and function
// WsnCrypto.h declares) and whatever it reaches. Summing the objects' own
// sizes counts less fairly: every function counts, used or not (with
// -ffunction-sections a firmware link drops the unused ones), and on the
// lx106 each call to another object's function keeps its own literal, which
// the Xtensa linker coalesces (6205 bytes summed against 6065 linked on the
// first version of the library). The figure is still an upper bound for the
// final firmware, where the linker also turns in-range long calls into
// direct ones. Both figures are in the --json output.
//
// On the lx106 the ESP8266 core's linker script puts .rodata in DRAM (that is
// why PROGMEM exists), so its static RAM is data + rodata + bss: the JSON
// output gives rodata and that sum as "ram".

const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = path.join(__dirname, "..");
const SRC = path.join(ROOT, "device", "arduino", "WsnCrypto", "src");
const SETUP_HINT = "run `bash scripts/lib/ensure-device-tools.sh` to install the cross compilers and headers";

// As the ESP8266 and ESP32 Arduino cores build libraries, minus what does not
// change the size; -Werror because a warning here is a bug on the board.
const COMMON_FLAGS = ["-std=c++17", "-Os", "-Wall", "-Wextra", "-Werror", "-fno-exceptions", "-fno-rtti", "-ffunction-sections", "-fdata-sections"];

const TARGETS = [
    {
        name: "esp8266-lx106",
        prefix: "xtensa-lx106-elf-",
        // -mlongcalls -mtext-section-literals: the ESP8266 core's code runs
        // from flash, out of CALL0's range of the IRAM code.
        flags: ["--specs=/usr/lib/xtensa-lx106-elf/picolibc.specs", "-mlongcalls", "-mtext-section-literals", "-DARDUINO_ARCH_ESP8266"],
        linkFlags: [],
        // Debian's /usr/include/bearssl.h includes "bearssl/bearssl.h".
        headers: [
            { from: "/usr/include/bearssl.h", to: "bearssl.h" },
            { from: "/usr/include/bearssl", to: "bearssl" }
        ]
    },
    {
        name: "esp32c3-rv32imc",
        prefix: "riscv64-unknown-elf-",
        flags: ["--specs=/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs", "-march=rv32imc", "-mabi=ilp32", "-DESP32", "-DWSN_BACKEND_MBEDTLS"],
        // The riscv64 binutils link 64-bit objects unless told otherwise.
        linkFlags: ["-m", "elf32lriscv"],
        // mbedTLS 2.28's config may pull in its PSA headers; 3.x always does.
        headers: [
            { from: "/usr/include/mbedtls", to: "mbedtls" },
            { from: "/usr/include/psa", to: "psa", optional: true }
        ]
    }
];

class BuildError extends Error {}

/** Runs a tool; returns its stdout, or throws BuildError with its output. */
function run(command, args, options) {
    const result = spawnSync(command, args, Object.assign({ encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, options));
    if (result.error && result.error.code === "ENOENT") {
        throw new BuildError(`${command} not found: ${SETUP_HINT}`);
    }
    if (result.error) { throw result.error; }
    if (result.status !== 0) {
        throw new BuildError(`${command} ${args.join(" ")}\n${result.stdout}${result.stderr}`.trimEnd());
    }
    return result.stdout;
}

/** Copies the crypto headers a target needs (only .h files) into `include`. */
function copyHeaders(target, include) {
    for (const header of target.headers) {
        if (!fs.existsSync(header.from)) {
            if (header.optional) { continue; }
            throw new BuildError(`${target.name}: ${header.from} is missing: ${SETUP_HINT}`);
        }
        fs.cpSync(header.from, path.join(include, header.to), {
            recursive: true,
            filter: (source) => fs.statSync(source).isDirectory() || source.endsWith(".h")
        });
    }
}

/**
 * The names WsnCrypto.h declares at file scope: its classes and its free
 * functions. Their definitions are the roots the partial link keeps.
 */
function publicNames() {
    const header = fs.readFileSync(path.join(SRC, "WsnCrypto.h"), "utf8");
    const classes = [...header.matchAll(/^(?:class|struct)\s+(\w+)/gm)].map((m) => m[1]);
    // A declaration starting in column 0 that is not a typedef, a macro or a comment.
    const functions = [...header.matchAll(/^(?!typedef\b|#|\/)[A-Za-z_][\w\s*&:]*?\b([A-Za-z_]\w*)\s*\(/gm)].map((m) => m[1]);
    return { classes, functions };
}

/** Symbols of `files` as [{mangled, demangled, type}] (nm -P, demangled by the target's c++filt). */
function symbols(target, files, nmFlags) {
    const lines = run(target.prefix + "nm", ["-P", "-g", ...nmFlags, ...files]).split("\n");
    const entries = lines.map((line) => line.trim().split(/\s+/)).filter((f) => f.length >= 2 && !f[0].endsWith(":"));
    if (entries.length === 0) { return []; }
    const demangled = run(target.prefix + "c++filt", [], { input: entries.map((f) => f[0]).join("\n") + "\n" }).split("\n");
    return entries.map((f, i) => ({ mangled: f[0], type: f[1], demangled: demangled[i] }));
}

/**
 * Which of `undefinedSymbols` the sections of `file` still refer to (by a
 * relocation), demangled and sorted. ld -r --gc-sections drops dead
 * sections but leaves the names they used in the symbol table.
 */
function referenced(target, file, undefinedSymbols) {
    const used = new Set();
    for (const line of run(target.prefix + "objdump", ["-r", file]).split("\n")) {
        const fields = line.trim().split(/\s+/);
        if (fields.length === 3 && /^[0-9a-f]+$/.test(fields[0])) { used.add(fields[2].replace(/[+-]0x[0-9a-f]+$/, "")); }
    }
    return undefinedSymbols.filter((s) => used.has(s.mangled)).map((s) => s.demangled).sort();
}

/** Berkeley sizes of `files`, summed: {text, data, bss}. */
function berkeley(target, files) {
    const out = run(target.prefix + "size", ["-B", "-d", "-t", ...files]).trim().split("\n");
    const [text, data, bss] = out[out.length - 1].trim().split(/\s+/).map(Number);
    return { text, data, bss };
}

/** Bytes of read-only data in `file` (the .rodata* and .srodata* sections). */
function rodataOf(target, file) {
    let total = 0;
    for (const line of run(target.prefix + "size", ["-A", "-d", file]).split("\n")) {
        const fields = line.trim().split(/\s+/);
        if (/^\.s?rodata/.test(fields[0])) { total += Number(fields[1]); }
    }
    return total;
}

/** Builds and measures the library for one target. */
function measure(target, work) {
    const include = path.join(work, target.name, "include");
    const objects = path.join(work, target.name, "obj");
    fs.mkdirSync(include, { recursive: true });
    fs.mkdirSync(objects, { recursive: true });
    copyHeaders(target, include);

    const sources = fs.readdirSync(SRC).filter((f) => f.endsWith(".cpp")).sort();
    if (sources.length === 0) { throw new BuildError(`no .cpp in ${SRC}`); }
    const compiler = target.prefix + "g++";
    const failures = [];
    const files = [];
    for (const source of sources) {
        const object = path.join(objects, source.replace(/\.cpp$/, ".o"));
        try {
            run(compiler, [...target.flags, ...COMMON_FLAGS, "-I", include, "-c", path.join(SRC, source), "-o", object]);
            files.push(object);
        } catch (error) {
            if (!(error instanceof BuildError)) { throw error; }
            failures.push(error.message);
        }
    }
    if (failures.length > 0) {
        throw new BuildError(`${target.name}: ${failures.length} of ${sources.length} sources failed to compile\n${failures.join("\n\n")}`);
    }

    const { classes, functions } = publicNames();
    const defined = symbols(target, files, ["--defined-only"]);
    const isPublic = (s) => classes.some((c) => s.demangled.startsWith(c + "::")) || functions.some((f) => s.demangled.startsWith(f + "("));
    const roots = defined.filter((s) => /^[TDBRW]$/i.test(s.type) && isPublic(s));
    const undefinedPublic = functions.filter((f) => !roots.some((s) => s.demangled.startsWith(f + "(")));
    if (undefinedPublic.length > 0) {
        throw new BuildError(`${target.name}: WsnCrypto.h declares ${undefinedPublic.join(", ")}, which no source defines`);
    }

    const linked = path.join(work, target.name, "libWsnCrypto.o");
    run(target.prefix + "ld", [...target.linkFlags, "-r", "--gc-sections", ...roots.flatMap((s) => ["-u", s.mangled]), "-o", linked, ...files]);
    // What the library still needs from outside: the crypto library, the C
    // library, the board's SDK. A name of its own here is declared but never defined.
    const needs = referenced(target, linked, symbols(target, [linked], ["--undefined-only"]));
    const missing = needs.filter((name) => /(^|\W)(wsn|Wsn)/.test(name));
    if (missing.length > 0) {
        throw new BuildError(`${target.name}: the library uses ${missing.join(", ")}, which no source defines`);
    }

    const sizes = berkeley(target, [linked]);
    const rodata = rodataOf(target, linked);
    return {
        target: target.name,
        compiler: run(compiler, ["--version"]).split("\n")[0],
        sources,
        text: sizes.text,
        data: sizes.data,
        bss: sizes.bss,
        rodata,
        // Static RAM on the board: on the lx106 .rodata is copied to DRAM too.
        ram: sizes.data + sizes.bss + (target.name === "esp8266-lx106" ? rodata : 0),
        objects: berkeley(target, files),
        needs
    };
}

function main() {
    const json = process.argv.includes("--json");
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-device-size-"));
    try {
        const results = [];
        for (const target of TARGETS) { results.push(measure(target, work)); }
        if (json) {
            process.stdout.write(JSON.stringify({ targets: results }, null, 2) + "\n");
        } else {
            for (const r of results) { process.stdout.write(`${r.target} ${r.text} ${r.data} ${r.bss}\n`); }
        }
        return 0;
    } catch (error) {
        if (!(error instanceof BuildError)) { throw error; }
        process.stderr.write(`device-size: ${error.message}\n`);
        return 1;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

if (require.main === module) {
    process.exitCode = main();
}

module.exports = { TARGETS };
