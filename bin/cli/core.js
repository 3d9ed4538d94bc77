"use strict";
// The package's wasm core, loaded on first use so that `--help` works in a
// checkout where it is not built yet.

const path = require("path");
const { CliError } = require("./errors.js");

const PACKAGE_ROOT = path.join(__dirname, "..", "..");
let core;

function wasm() {
    if (!core) {
        const file = path.join(PACKAGE_ROOT, "pkg", "wsn_crypto.js");
        try {
            core = require(file);
        } catch (error) {
            if (error.code === "MODULE_NOT_FOUND" || error.code === "ENOENT") {
                throw new CliError(`the wasm core is not built (${file} is missing): run \`npm run build\` in ${PACKAGE_ROOT}`);
            }
            throw error;
        }
    }
    return core;
}

// The core's codes for "this does not open with this key", collapsed as the
// backend collapses them: to the user they all mean wrong key or not a message.
const UNOPENABLE = new Set(["cannot_decrypt", "bad_base64", "bad_json", "bad_format"]);

function isUnopenable(error) {
    return Boolean(error) && UNOPENABLE.has(error.code);
}

/** Seals a message into the request body a device sends, as a JSON string. */
function requestBody(message, key, format) {
    if (format === "raw") {
        return JSON.stringify(wasm().seal(message, key, { format: "raw" }));
    }
    return JSON.stringify({ msg: wasm().seal(message, key, { format: "passphrase" }) });
}

/**
 * Opens any body of the protocol: a request (`{"msg": …}` or
 * `{"iv": …, "data": …}`) or a reply (the bare passphrase ciphertext, or
 * `{"iv", "data"}`). Returns `{format, message}`.
 */
function openBody(text, key) {
    const body = String(text).trim();
    return wasm().open(body.startsWith("{") ? body : { msg: body }, key);
}

module.exports = { PACKAGE_ROOT, wasm, isUnopenable, requestBody, openBody };
