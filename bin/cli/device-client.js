"use strict";
// A device's side of the backend's HTTP protocol:
//   GET  /wsn/:id   -> the stored SEQN, encrypted with the device key
//   POST /data/:id  -> an encrypted {"data": …, "SEQN": n}, answered with an
//                      encrypted acknowledgement {"SEQN": n, "ack": true, "lost": k}
// Replies come in the format the request used.

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

function unexpected(status, text) {
    const code = errorCode(text);
    return `HTTP ${status}${code ? ` ${code}` : ""}`;
}

/** Reads the device's stored SEQN (GET /wsn/:id), as the firmware does at boot. */
async function readSeqn(options) {
    const { base, id, key, format, timeoutMs } = options;
    const url = endpoint(base, "wsn", id, format === "raw" ? "format=raw" : "");
    const reply = await request(url, { method: "GET" }, timeoutMs);
    if (reply.status === 404) { throw unknownDevice(id, base); }
    if (reply.status !== 200) {
        throw new CliError(`GET ${url.pathname} answered ${unexpected(reply.status, reply.text)}`);
    }
    let opened;
    try {
        opened = openBody(reply.text, key);
    } catch (error) {
        if (isUnopenable(error)) { throw wrongKey(id, "the backend's SEQN reply does not decrypt with it"); }
        throw error;
    }
    const seqn = opened.message && opened.message.SEQN;
    if (!Number.isSafeInteger(seqn) || seqn < 0) {
        throw new CliError(`GET ${url.pathname} answered a message without a valid SEQN`);
    }
    return seqn;
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
    const body = requestBody({ data, SEQN: seqn }, key, format);
    const reply = await request(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body
    }, timeoutMs);
    const result = { seqn, latencyMs: reply.latencyMs };
    if (reply.status === 200) {
        let ack;
        try {
            ack = openBody(reply.text, key).message;
        } catch (error) {
            if (isUnopenable(error)) {
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
    if (reply.status === 409) {
        return Object.assign(result, { outcome: "rejected", code: code || "conflict" });
    }
    return Object.assign(result, { outcome: "failed", code: code || `http_${reply.status}` });
}

module.exports = { DEFAULT_URL, baseUrl, endpoint, networkReason, readSeqn, sendData };
