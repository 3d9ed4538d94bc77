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

/**
 * Seals a message into the request body a device sends, as a JSON string.
 * The authenticated format binds it to `deviceId` and to the request
 * direction, so the backend's reply can never be sent back as a request.
 */
function requestBody(message, key, format, deviceId) {
    if (format === "raw" || format === "auth") {
        return JSON.stringify(wasm().seal(message, key, { format, deviceId, direction: format === "auth" ? "request" : undefined }));
    }
    return JSON.stringify({ msg: wasm().seal(message, key, { format: "passphrase" }) });
}

/** Whether the text is an authenticated-format body, `{"auth": …}`. */
function isAuthBody(text) {
    if (!text.startsWith("{")) { return false; }
    try {
        const body = JSON.parse(text);
        return Boolean(body) && typeof body.auth === "string";
    } catch (e) {
        return false;
    }
}

/**
 * Opens any body of the protocol: a request (`{"msg": …}`, `{"iv": …,
 * "data": …}` or `{"auth": …}`) or a reply (the bare passphrase ciphertext,
 * `{"iv", "data"}` or `{"auth"}`). Returns `{format, message, direction}`.
 *
 * options: `deviceId` (needed for the authenticated format), `direction`
 * ("request" or "reply"; for an authenticated body without it, both are
 * tried: the tag holds only for the one it was made in), `formats` (a
 * comma-separated list; other formats are refused with format_not_allowed).
 */
function openBody(text, key, options) {
    const { deviceId, direction, formats } = options || {};
    const body = String(text).trim();
    const input = body.startsWith("{") ? body : { msg: body };
    const authAllowed = formats === undefined || formats.split(",").includes("auth");
    if (!isAuthBody(body) || !authAllowed) {
        return wasm().open(input, key, { formats });
    }
    if (deviceId === undefined) {
        throw new CliError("this body is in the authenticated format, which is bound to its device: give the device id with --id");
    }
    const open = (way) => Object.assign(wasm().open(input, key, { deviceId, direction: way, formats }), { direction: way });
    if (direction) { return open(direction); }
    try {
        return open("request");
    } catch (error) {
        if (!isUnopenable(error)) { throw error; }
        return open("reply");
    }
}

module.exports = { PACKAGE_ROOT, wasm, isUnopenable, requestBody, openBody };
