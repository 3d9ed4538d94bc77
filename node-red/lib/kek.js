"use strict";
// Where the key-encryption key (KEK) comes from, for the nodes and the CLI
// alike: never the database, never flows.json. The KEK is the text
// "<label>:<64 hex digits>" (src/keywrap.rs); the wasm core parses it, so
// this module only finds it.
//
//   environment variable WSN_KEK        the KEK itself
//   environment variable WSN_KEK_FILE   a file holding it (mode 0600, one line)
//
// A Node-RED `wsn kek` config node may name another variable or file, or
// hold the KEK as a credential (flows_cred.json, encrypted by Node-RED's
// credentialSecret), so an exported flow never carries it.

const fs = require("fs");

const DEFAULT_ENV = "WSN_KEK";
const DEFAULT_FILE_ENV = "WSN_KEK_FILE";

/** A readable error whose message never holds the KEK. */
function kekError(message) {
    const err = new Error(message);
    err.code = "bad_kek";
    return err;
}

/**
 * The KEK text from `source` ({env}, {file} or {text}), or from WSN_KEK /
 * WSN_KEK_FILE when `source` is undefined. Undefined when none is
 * configured; throws (code bad_kek) when a named file cannot be read.
 */
function readKek(source, env = process.env) {
    if (source && typeof source.text === "string") { return source.text.trim() || undefined; }
    if (source && source.env) { return (env[source.env] || "").trim() || undefined; }
    const file = source && source.file ? source.file : env[DEFAULT_FILE_ENV];
    if (!source && env[DEFAULT_ENV]) { return env[DEFAULT_ENV].trim() || undefined; }
    if (!file) { return undefined; }
    try {
        return fs.readFileSync(file, "utf8").trim() || undefined;
    } catch (err) {
        throw kekError(`cannot read the key-encryption key file ${file} (${err.code || "error"})`);
    }
}

// A label as src/keywrap.rs takes it. Only such a text is ever logged: what
// comes before the first ':' of a mistyped KEK (or of a wrong variable) may
// be secret.
const LABEL = /^[A-Za-z0-9._-]{1,32}$/;

function isLabel(text) {
    return typeof text === "string" && LABEL.test(text);
}

/** The label of a KEK text (the part before ':'), safe to log; undefined unless it is a valid label. */
function kekLabel(kekText) {
    const colon = typeof kekText === "string" ? kekText.indexOf(":") : -1;
    const label = colon > 0 ? kekText.slice(0, colon) : undefined;
    return isLabel(label) ? label : undefined;
}

/**
 * Whether the core takes `kekText` as a KEK. The core is the one parser of a
 * KEK: this asks it to wrap a dummy key, and keeps nothing. `wasm` is the
 * loaded core (the nodes and the CLI load it each their own way).
 */
function isKek(wasm, kekText) {
    try {
        wasm.wrapKey("00", "x", kekText);
        return true;
    } catch (err) {
        return false;
    }
}

module.exports = { readKek, kekLabel, isLabel, isKek, kekError, DEFAULT_ENV, DEFAULT_FILE_ENV };
