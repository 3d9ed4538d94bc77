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

// The kinds of the authenticated format (README section The authenticated format, Kinds), by the
// byte that names them in the header.
const REQUEST_KINDS = { 0x51: "query", 0x53: "reset", 0x44: "data" };
const REPLY_KINDS = { 0x4E: "seqn", 0x41: "ack", 0x58: "refusal" };
const AUTH_TAG_BYTES = 16;

/**
 * Seals a message into the request body a device sends, as a JSON string.
 * The authenticated format binds it to `deviceId` and needs the request's
 * `kind` ("query", "reset" or "data"): the header carries both under the tag.
 */
/**
 * A key as the wasm takes it: a key text, or a wrapped row's key
 * ({stored, kek, deviceId}: bin/cli/devices.js keyForDevice), which the core
 * unwraps inside the call; `extra` goes into the call's options.
 */
function keyArgs(key) {
    if (key && typeof key === "object") {
        return { key: key.stored, extra: { kek: key.kek, deviceId: key.deviceId } };
    }
    return { key, extra: {} };
}

function requestBody(message, deviceKey, format, deviceId, kind) {
    const { key, extra } = keyArgs(deviceKey);
    if (format === "auth") {
        return JSON.stringify(wasm().seal(message, key, Object.assign(extra, { format, deviceId, kind })));
    }
    if (format === "raw") {
        return JSON.stringify(wasm().seal(message, key, Object.assign(extra, { format })));
    }
    return JSON.stringify({ msg: wasm().seal(message, key, Object.assign(extra, { format: "passphrase" })) });
}

/**
 * The base64 tag of an authenticated body (its last 16 bytes): what a reply
 * to it is bound to. Undefined for anything else.
 */
function authTag(body) {
    const parsed = typeof body === "string" ? parseObject(body) : body;
    if (!parsed || typeof parsed.auth !== "string") { return undefined; }
    const bytes = Buffer.from(parsed.auth, "base64");
    return bytes.length > AUTH_TAG_BYTES ? bytes.subarray(-AUTH_TAG_BYTES).toString("base64") : undefined;
}

function parseObject(text) {
    if (!String(text).trim().startsWith("{")) { return undefined; }
    try {
        const value = JSON.parse(text);
        return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
    } catch (e) {
        return undefined;
    }
}

/** Whether the text is an authenticated-format body, `{"auth": …}` (a refusal's too). */
function isAuthBody(text) {
    const body = parseObject(text);
    return Boolean(body) && typeof body.auth === "string";
}

/**
 * "request" or "reply", from the kind byte of an authenticated body's
 * header. The header is not trusted for this: it only picks the way the tag
 * is checked, and a wrong pick fails the tag.
 */
function authDirection(text) {
    const bytes = Buffer.from(parseObject(text).auth, "base64");
    if (bytes.length < 2) { return undefined; }
    if (REQUEST_KINDS[bytes[1]]) { return "request"; }
    if (REPLY_KINDS[bytes[1]]) { return "reply"; }
    return undefined;
}

/**
 * Opens any body of the protocol: a request (`{"msg": …}`, `{"iv": …,
 * "data": …}` or `{"auth": …}`) or a reply (the bare passphrase ciphertext,
 * `{"iv", "data"}` or `{"auth"}`, also inside a refusal's `{"error", "auth"}`).
 * Returns `{format, message, direction}`, for the authenticated format also
 * `{kind, seqn}`.
 *
 * options: `deviceId` (needed for the authenticated format), `direction`
 * ("request" or "reply"; by default the one its header's kind names),
 * `request` (the base64 tag of the request an authenticated reply answers:
 * a reply opens only with it), `formats` (a comma-separated list; other
 * formats are refused with format_not_allowed).
 */
function openBody(text, deviceKey, options) {
    const { deviceId, direction, request, formats } = options || {};
    const { key, extra } = keyArgs(deviceKey);
    const body = String(text).trim();
    // The wasm takes a body as its JSON text; a bare reply ciphertext is the passphrase format's {msg}.
    const input = body.startsWith("{") ? body : JSON.stringify({ msg: body });
    const authAllowed = formats === undefined || wasm().formatsAllowed(formats).includes("auth");
    if (!isAuthBody(body) || !authAllowed) {
        return wasm().open(input, key, Object.assign(extra, { formats }));
    }
    if (deviceId === undefined) {
        throw new CliError("this body is in the authenticated format, which is bound to its device: give the device id with --id");
    }
    // An unknown kind byte: opened as a request, which fails the tag like any forgery.
    const way = direction || authDirection(body) || "request";
    if (way === "reply" && request === undefined) {
        throw new CliError("this is a reply in the authenticated format, which is bound to the request it answers: give that request's body with --request-body");
    }
    const opened = wasm().open(input, key, Object.assign(extra, way === "reply"
        ? { deviceId, direction: way, request, formats }
        : { deviceId, direction: way, formats }));
    return Object.assign(opened, { direction: way });
}

module.exports = { PACKAGE_ROOT, wasm, isUnopenable, requestBody, authTag, isAuthBody, openBody };
