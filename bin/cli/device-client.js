"use strict";
// A device's side of the backend's HTTP protocol:
//   GET  /wsn/:id   -> the stored SEQN, encrypted with the device key
//   GET  /wsn/:id?nonce=N
//                   -> authenticated {"SEQN": n, "nonce": N, "challenge": C}
//   POST /data/:id  -> an encrypted {"data": …, "SEQN": n}, answered with an
//                      encrypted acknowledgement {"SEQN": n, "ack": true, "lost": k}
//   POST /wsn/:id   -> authenticated {"SEQN": n, "challenge": C}, answered
//                      with {"SEQN": n, "ack": true}
// Replies come in the format the request used.

const { randomBytes } = require("node:crypto");
const { isUnopenable, openBody, requestBody } = require("./core.js");
const { CliError, usageError } = require("./errors.js");

const DEFAULT_URL = "http://127.0.0.1:1880";

function baseUrl(text) {
    let url;
    try {
        url = new URL(text);
    } catch (e) {
        throw usageError("--url must be an absolute http:// or https:// URL, e.g. " + DEFAULT_URL);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw usageError("--url must be an absolute http:// or https:// URL, e.g. " + DEFAULT_URL);
    }
    url.search = "";
    url.hash = "";
    return url;
}

function endpoint(base, route, id, query) {
    const url = new URL(base);
    url.pathname = url.pathname.replace(/\/+$/, "") + `/${route}/${encodeURIComponent(id)}`;
    if (query) { url.search = query; }
    return url;
}

/** Why fetch failed, in words (fetch itself only says "fetch failed"). */
function networkReason(error) {
    if (error && (error.name === "TimeoutError" || error.name === "AbortError")) { return "no answer in time"; }
    const cause = error && error.cause;
    const code = cause && (cause.code || (cause.errors && cause.errors[0] && cause.errors[0].code));
    const words = {
        ECONNREFUSED: "connection refused",
        ECONNRESET: "connection reset",
        ENOTFOUND: "host not found",
        EAI_AGAIN: "host not found",
        EHOSTUNREACH: "host unreachable",
        ETIMEDOUT: "connection timed out"
    };
    return words[code] || (cause && cause.message) || (error && error.message) || "network error";
}

function unreachable(url, error) {
    return new CliError(`cannot reach the backend at ${url.origin}: ${networkReason(error)} (is Node-RED with the wsn flows running there? npm start runs one on 127.0.0.1:1880)`);
}

async function request(url, init, timeoutMs) {
    const started = process.hrtime.bigint();
    let response;
    let text;
    try {
        response = await fetch(url, Object.assign({ signal: AbortSignal.timeout(timeoutMs) }, init));
        text = await response.text();
    } catch (error) {
        throw unreachable(url, error);
    }
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { status: response.status, text, latencyMs };
}

/** The `error` code of a backend error body, e.g. {"error":"replay"}. */
function errorCode(text) {
    try {
        const body = JSON.parse(text);
        return body && typeof body.error === "string" ? body.error : undefined;
    } catch (e) {
        return undefined;
    }
}

function unknownDevice(id, base) {
    return new CliError(`device ${id} is not provisioned on the backend at ${base.origin} (404 unknown_device): provision it in the database the backend uses (wsn-crypto provision --db FILE --id ${id})`);
}

function wrongKey(id, what) {
    return new CliError(`wrong key for device ${id}: ${what}`);
}

/** 403 format_not_allowed: the device's formats in the Devices table exclude this one. */
function formatNotAllowed(id, format) {
    const hint = format === "auth"
        ? "add auth to its deviceFormats, or use a format it has"
        : "a device moved to the authenticated format is addressed with --format auth";
    return new CliError(`device ${id} may not use the ${format} format (403 format_not_allowed): its formats in the Devices table exclude it; ${hint}`);
}

function unexpected(status, text) {
    const code = errorCode(text);
    return `HTTP ${status}${code ? ` ${code}` : ""}`;
}

/** The answer to a GET, or the error that every status but 200 means. */
async function getSeqnReply(options, query) {
    const { base, id, format, timeoutMs } = options;
    const url = endpoint(base, "wsn", id, query);
    const reply = await request(url, { method: "GET" }, timeoutMs);
    if (reply.status === 404) { throw unknownDevice(id, base); }
    if (reply.status === 403 && errorCode(reply.text) === "format_not_allowed") { throw formatNotAllowed(id, format); }
    if (reply.status !== 200) {
        throw new CliError(`GET ${url.pathname} answered ${unexpected(reply.status, reply.text)}`);
    }
    return { url, text: reply.text };
}

function checkedSeqn(message, url) {
    const seqn = message && message.SEQN;
    if (!Number.isSafeInteger(seqn) || seqn < 0) {
        throw new CliError(`GET ${url.pathname} answered a message without a valid SEQN`);
    }
    return seqn;
}

/**
 * The stored SEQN and a fresh reset challenge, read in the authenticated
 * format with a fresh random nonce. The reply is trusted only if its tag
 * holds for this device and direction and it echoes that nonce, so a reply
 * recorded earlier cannot be played back to set the device's SEQN.
 */
async function readChallenge(options) {
    const { id, key } = options;
    const nonce = randomBytes(16).toString("base64url");
    const { url, text } = await getSeqnReply(Object.assign({}, options, { format: "auth" }), `nonce=${nonce}`);
    let opened;
    try {
        opened = openBody(text, key, { deviceId: id, direction: "reply", formats: "auth" });
    } catch (error) {
        if (error.code === "format_not_allowed") {
            throw new CliError(`GET ${url.pathname}?nonce= was not answered in the authenticated format: the backend does not speak it, or not for device ${id}`);
        }
        if (isUnopenable(error)) { throw wrongKey(id, "the backend's authenticated SEQN reply does not verify with it"); }
        throw error;
    }
    if (!opened.message || opened.message.nonce !== nonce) {
        throw new CliError(`GET ${url.pathname} answered with another nonce than the one sent: an old or replayed reply, not trusted`);
    }
    const challenge = opened.message.challenge;
    return { seqn: checkedSeqn(opened.message, url), challenge: typeof challenge === "string" ? challenge : undefined };
}

/** Reads the device's stored SEQN (GET /wsn/:id), as the firmware does at boot. */
async function readSeqn(options) {
    const { id, key, format } = options;
    if (format === "auth") { return (await readChallenge(options)).seqn; }
    const { url, text } = await getSeqnReply(options, format === "raw" ? "format=raw" : "");
    let opened;
    try {
        opened = openBody(text, key, { deviceId: id, direction: "reply" });
    } catch (error) {
        if (isUnopenable(error)) { throw wrongKey(id, "the backend's SEQN reply does not decrypt with it"); }
        throw error;
    }
    if (opened.format === "auth") {
        throw new CliError(`device ${id} may not use the ${format} format: the backend answered GET ${url.pathname} in the authenticated format, the only one its formats in the Devices table leave; use --format auth`);
    }
    return checkedSeqn(opened.message, url);
}

/**
 * Sends one data message and checks its acknowledgement. Resolves to
 * `{outcome: "acknowledged" | "rejected" | "failed", code, latencyMs, lost}`,
 * with `fatal` set to a CliError when no later message could succeed either
 * (unknown device, wrong key); rejects when the backend cannot be reached.
 */
async function sendData(options, seqn, data) {
    const { base, id, key, format, timeoutMs } = options;
    const url = endpoint(base, "data", id);
    const body = requestBody({ data, SEQN: seqn }, key, format, id);
    const reply = await request(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body
    }, timeoutMs);
    const result = { seqn, latencyMs: reply.latencyMs };
    if (reply.status === 200) {
        let ack;
        try {
            ack = openBody(reply.text, key, { deviceId: id, direction: "reply", formats: format }).message;
        } catch (error) {
            if (isUnopenable(error) || error.code === "format_not_allowed") {
                return Object.assign(result, { outcome: "failed", code: "undecryptable_ack",
                    fatal: wrongKey(id, `the acknowledgement of SEQN ${seqn} does not decrypt with it`) });
            }
            throw error;
        }
        if (!ack || ack.ack !== true || ack.SEQN !== seqn) {
            return Object.assign(result, { outcome: "failed", code: "bad_ack" });
        }
        return Object.assign(result, { outcome: "acknowledged", lost: Number.isSafeInteger(ack.lost) ? ack.lost : 0 });
    }
    const code = errorCode(reply.text);
    if (reply.status === 404) {
        return Object.assign(result, { outcome: "failed", code: code || "not_found", fatal: unknownDevice(id, base) });
    }
    if (reply.status === 400 && code === "cannot_decrypt") {
        return Object.assign(result, { outcome: "failed", code,
            fatal: wrongKey(id, "the backend cannot decrypt the message (400 cannot_decrypt)") });
    }
    if (reply.status === 403 && code === "format_not_allowed") {
        return Object.assign(result, { outcome: "failed", code, fatal: formatNotAllowed(id, format) });
    }
    if (reply.status === 409) {
        return Object.assign(result, { outcome: "rejected", code: code || "conflict" });
    }
    return Object.assign(result, { outcome: "failed", code: code || `http_${reply.status}` });
}

/**
 * The replay-proof reset (POST /wsn/:id) in the authenticated format: sets
 * the backend's SEQN for the device to `seqn`, carrying the challenge the
 * backend issued with its latest SEQN reply (good once, for a minute, and
 * only until the SEQN moves). Resolves to the verified acknowledgement.
 */
async function resetSeqn(options, seqn, challenge) {
    const { base, id, key, timeoutMs } = options;
    const url = endpoint(base, "wsn", id);
    const reply = await request(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: requestBody({ SEQN: seqn, challenge }, key, "auth", id)
    }, timeoutMs);
    const code = errorCode(reply.text);
    if (reply.status === 200) {
        let ack;
        try {
            ack = openBody(reply.text, key, { deviceId: id, direction: "reply", formats: "auth" }).message;
        } catch (error) {
            if (isUnopenable(error) || error.code === "format_not_allowed") {
                throw new CliError(`the backend answered the reset of device ${id} with an acknowledgement that does not verify with the key: the SEQN it stored is unknown`);
            }
            throw error;
        }
        if (!ack || ack.ack !== true || ack.SEQN !== seqn) {
            throw new CliError(`the backend's acknowledgement of the reset of device ${id} does not name SEQN ${seqn}`);
        }
        return ack;
    }
    if (reply.status === 404) { throw unknownDevice(id, base); }
    if (reply.status === 400 && code === "cannot_decrypt") {
        throw wrongKey(id, "the backend cannot decrypt the reset (400 cannot_decrypt)");
    }
    if (reply.status === 403 && code === "format_not_allowed") { throw formatNotAllowed(id, "auth"); }
    if (reply.status === 403 && code === "bad_challenge") {
        throw new CliError(`the backend refused the reset of device ${id} (403 bad_challenge): the challenge is not the latest one it issued for the device, ` +
            "or it was used already, expired (after 60 s) or withdrawn when the SEQN moved; a reset needs a fresh one (wsn-crypto resync without --challenge fetches it)");
    }
    if (reply.status === 409) {
        const where = code === "replay" ? `is already ${seqn}` : `is already above ${seqn}`;
        throw new CliError(`the backend refused the reset of device ${id} to SEQN ${seqn} (409 ${code || "conflict"}): its SEQN ${where}, and resets only move it forward`);
    }
    throw new CliError(`POST ${url.pathname} answered ${unexpected(reply.status, reply.text)}`);
}

module.exports = { DEFAULT_URL, baseUrl, errorCode, readSeqn, readChallenge, sendData, resetSeqn };
