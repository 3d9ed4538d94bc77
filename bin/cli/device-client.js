"use strict";
// A device's side of the backend's HTTP protocol (README section The authenticated format):
//   auth:  POST /wsn/:id  a SEQN query, answered with the stored SEQN, or a
//                         reset, answered with an ack;
//          POST /data/:id a data message, answered with an ack
//                         {"SEQN": n, "ack": true, "lost": k}.
//          Every reply is bound to the tag of the request it answers; a
//          refusal carries a sealed part with the stored SEQN.
//   passphrase, raw (legacy, unauthenticated):
//          GET  /wsn/:id[?format=raw] -> the stored SEQN, encrypted;
//          POST /data/:id {"data": …, "SEQN": n} -> an encrypted ack;
//          POST /wsn/:id {"SEQN": n}, passphrase only (raw resets get 403).
// Replies come in the format the request used. Over MQTT (transports.js)
// every request is a publish on wsn/<id>/up and a GET an empty one; the
// answers are the same.

const { authTag, isUnopenable, openBody, requestBody } = require("./core.js");
const { CliError } = require("./errors.js");

/** The `error` code of a backend error body, e.g. {"error":"replay"}. */
function errorCode(text) {
    try {
        const body = JSON.parse(text);
        return body && typeof body.error === "string" ? body.error : undefined;
    } catch (e) {
        return undefined;
    }
}

function unknownDevice(id, transport) {
    return new CliError(`device ${id} is not provisioned on the backend at ${transport.origin} (404 unknown_device): provision it in the database the backend uses (wsn-crypto provision --db FILE --id ${id})`);
}

function wrongKey(id, what) {
    return new CliError(`wrong key for device ${id}: ${what}`);
}

/** 403 format_not_allowed: the device's formats in the Devices table exclude this one. */
function formatNotAllowed(id, format) {
    const hint = format === "auth"
        ? "add auth to its deviceFormats, or use a format it has (--format passphrase or raw)"
        : "a device moved to the authenticated format is addressed with --format auth";
    return new CliError(`device ${id} may not use the ${format} format (403 format_not_allowed): its formats in the Devices table exclude it; ${hint}`);
}

/** 403 to a raw-format reset: the backend refuses those for every device. */
function rawResetRefused(id) {
    return new CliError(`the backend refuses SEQN resets in the raw format (403 format_not_allowed), for device ${id} as for every device: ` +
        "a raw reset's SEQN sits in its first cipher block, which anyone can rewrite through the IV; reset with --format auth (or --format passphrase for a legacy device)");
}

function unexpected(status, text) {
    const code = errorCode(text);
    return `HTTP ${status}${code ? ` ${code}` : ""}`;
}

/**
 * The one mapping of the refusals no later request could escape, for every
 * request a device makes: 404 (unknown device), 400 cannot_decrypt (wrong
 * key: the backend cannot decrypt or verify `what`), 403 format_not_allowed.
 * Undefined for any other reply.
 */
function refusalError(options, reply, what, isReset) {
    const { transport, id, format } = options;
    const code = errorCode(reply.text);
    if (reply.status === 404) { return unknownDevice(id, transport); }
    if (reply.status === 400 && code === "cannot_decrypt") {
        const verb = format === "auth" ? "verify" : "decrypt";
        return wrongKey(id, `the backend cannot ${verb} ${what} (400 cannot_decrypt)`);
    }
    if (reply.status === 403 && code === "format_not_allowed") {
        return isReset && format === "raw" ? rawResetRefused(id) : formatNotAllowed(id, format);
    }
    return undefined;
}

/**
 * An authenticated reply opened as the answer to the request whose tag is
 * `tag`: `{kind, seqn, message}`, or undefined when it does not verify for
 * that request (not from the backend, not to this request, or not sealed).
 */
function openAuthReply(options, text, tag) {
    try {
        return openBody(text, options.key, { deviceId: options.id, direction: "reply", request: tag, formats: "auth" });
    } catch (error) {
        if (isUnopenable(error) || error.code === "format_not_allowed" || error.code === "bad_options") { return undefined; }
        throw error;
    }
}

/**
 * The sealed part of a refusal to the authenticated request with tag `tag`:
 * `{code, seqn}`, the seqn being the SEQN the backend stores, which the
 * device may trust. Undefined when there is none, or it does not verify for
 * this request: then the refusal is anyone's word and changes nothing.
 */
function sealedRefusal(options, reply, tag) {
    const opened = openAuthReply(options, reply.text, tag);
    if (!opened || opened.kind !== "refusal" || !opened.message || typeof opened.message.error !== "string" ||
        !Number.isSafeInteger(opened.seqn)) {
        return undefined;
    }
    return { code: opened.message.error, seqn: opened.seqn };
}

function ackError(code) {
    return Object.assign(new Error(code), { code });
}

/**
 * The acknowledgement of a request that named SEQN `sent`, from a 200
 * reply: it must open in the request's format (in the authenticated format:
 * bound to the request's `tag`, and of kind ack with that SEQN in its
 * header), and be {"SEQN": sent, "ack": true, …}. Throws an Error whose
 * code is "undecryptable_ack" (a legacy ack that does not decrypt with the
 * key), "unverified_ack" (an authenticated one that does not verify for
 * this request) or "bad_ack" (opens, but does not acknowledge `sent`).
 */
function openAck(options, reply, sent, tag) {
    const { id, key, format } = options;
    let opened;
    if (format === "auth") {
        opened = openAuthReply(options, reply.text, tag);
        if (!opened) { throw ackError("unverified_ack"); }
        if (opened.kind !== "ack" || opened.seqn !== sent) { throw ackError("bad_ack"); }
    } else {
        try {
            opened = openBody(reply.text, key, { deviceId: id, direction: "reply", formats: format });
        } catch (error) {
            if (isUnopenable(error) || error.code === "format_not_allowed") { throw ackError("undecryptable_ack"); }
            throw error;
        }
    }
    const ack = opened.message;
    if (!ack || ack.ack !== true || ack.SEQN !== sent) { throw ackError("bad_ack"); }
    return ack;
}

function checkedSeqn(message, what) {
    const seqn = message && message.SEQN;
    if (!Number.isSafeInteger(seqn) || seqn < 0) {
        throw new CliError(`${what} answered a message without a valid SEQN`);
    }
    return seqn;
}

/**
 * The stored SEQN, read with an authenticated SEQN query (POST /wsn/:id).
 * The reply is trusted only if it verifies as the answer to this very query
 * (whose tag is fresh: its IV is), so a reply recorded earlier cannot be
 * played back to set the device's SEQN.
 */
async function querySeqn(options) {
    const { transport, id, key } = options;
    const body = requestBody({}, key, "auth", id, "query");
    const where = transport.where("wsn", body);
    const tag = authTag(body);
    const reply = await transport.send("wsn", body);
    if (reply.status === 200) {
        const opened = openAuthReply(options, reply.text, tag);
        if (!opened) {
            throw new CliError(`${where} answered a SEQN reply that does not verify as the answer to this query: not from the backend, or a reply to another request (an old or replayed one); not trusted`);
        }
        if (opened.kind !== "seqn") {
            throw new CliError(`${where} answered the SEQN query with a ${opened.kind}, not a SEQN reply; not trusted`);
        }
        const seqn = checkedSeqn(opened.message, `${where}`);
        if (seqn !== opened.seqn) {
            throw new CliError(`${where} answered a SEQN reply whose header and message disagree; not trusted`);
        }
        return seqn;
    }
    const fatal = refusalError(options, reply, "the SEQN query");
    if (fatal) { throw fatal; }
    const refusal = sealedRefusal(options, reply, tag);
    throw new CliError(`${where} refused the SEQN query: ${unexpected(reply.status, reply.text)}` +
        (refusal ? ` (sealed refusal ${refusal.code}, stored SEQN ${refusal.seqn})` : " (no valid sealed refusal: not trusted)"));
}

/**
 * Reads the device's stored SEQN, as the firmware does at boot: with an
 * authenticated query in the auth format, else GET /wsn/:id.
 */
async function readSeqn(options) {
    const { transport, id, key, format } = options;
    if (format === "auth") { return querySeqn(options); }
    const query = format === "raw" ? "format=raw" : "";
    const where = transport.where("wsn", null, query);
    const reply = await transport.send("wsn", null, query);
    if (reply.status !== 200) {
        throw refusalError(options, reply, "the SEQN request") ||
            new CliError(`${where} answered ${unexpected(reply.status, reply.text)}`);
    }
    let opened;
    try {
        // Over MQTT there is no ?format=raw: the backend answers in the first
        // legacy format the device may use. A raw run also takes a passphrase
        // answer; a passphrase run never takes a raw one, whose first block
        // (the SEQN) anyone on the way can rewrite through its IV.
        opened = openBody(reply.text, key, { deviceId: id, direction: "reply", formats: format === "raw" ? "raw,passphrase" : format });
    } catch (error) {
        if (isUnopenable(error) || error.code === "format_not_allowed") { throw wrongKey(id, "the backend's SEQN reply does not decrypt with it"); }
        throw error;
    }
    return checkedSeqn(opened.message, where);
}

/**
 * Sends one data message and checks its acknowledgement. Resolves to
 * `{outcome: "acknowledged" | "rejected" | "failed", code, latencyMs, lost}`,
 * with `fatal` set to a CliError when no later message could succeed either
 * (unknown device, wrong key, format not allowed), and in the auth format
 * `storedSeqn` when a sealed refusal (replay or stale) said which SEQN the
 * backend stores: the next message can go above it at once. Rejects when
 * the backend cannot be reached.
 */
async function sendData(options, seqn, data) {
    const { transport, id, key, format } = options;
    const body = requestBody({ data, SEQN: seqn }, key, format, id, "data");
    const tag = format === "auth" ? authTag(body) : undefined;
    const reply = await transport.send("data", body);
    const result = { seqn, latencyMs: reply.latencyMs };
    if (reply.status === 200) {
        let ack;
        try {
            ack = openAck(options, reply, seqn, tag);
        } catch (error) {
            if (error.code === "undecryptable_ack") {
                return Object.assign(result, { outcome: "failed", code: error.code,
                    fatal: wrongKey(id, `the acknowledgement of SEQN ${seqn} does not decrypt with it`) });
            }
            if (error.code === "unverified_ack" || error.code === "bad_ack") {
                return Object.assign(result, { outcome: "failed", code: error.code });
            }
            throw error;
        }
        return Object.assign(result, { outcome: "acknowledged", lost: Number.isSafeInteger(ack.lost) ? ack.lost : 0 });
    }
    const code = errorCode(reply.text);
    const fatal = refusalError(options, reply, "the message");
    if (fatal) {
        return Object.assign(result, { outcome: "failed", code: code || `http_${reply.status}`, fatal });
    }
    if (format === "auth") {
        // Only the sealed part counts: the status and the plain code are anyone's word.
        const refusal = sealedRefusal(options, reply, tag);
        if (!refusal) {
            return Object.assign(result, { outcome: "failed", code: reply.status === 409 ? "unverified_refusal" : code || `http_${reply.status}` });
        }
        if (refusal.code === "replay" || refusal.code === "stale") {
            return Object.assign(result, { outcome: "rejected", code: refusal.code, storedSeqn: refusal.seqn });
        }
        return Object.assign(result, { outcome: "failed", code: refusal.code });
    }
    if (reply.status === 409) {
        return Object.assign(result, { outcome: "rejected", code: code || "conflict" });
    }
    return Object.assign(result, { outcome: "failed", code: code || `http_${reply.status}` });
}

/**
 * Sets the backend's SEQN for the device to `seqn` (POST /wsn/:id): in the
 * auth format a reset request, forward-only, answered with an ack bound to
 * it; in the passphrase format the article's {"SEQN": n}. The backend
 * refuses raw-format resets. Resolves to the verified acknowledgement.
 */
async function resetSeqn(options, seqn) {
    const { transport, id, key, format } = options;
    const body = requestBody({ SEQN: seqn }, key, format, id, "reset");
    const where = transport.where("wsn", body);
    const tag = format === "auth" ? authTag(body) : undefined;
    const reply = await transport.send("wsn", body);
    if (reply.status === 200) {
        try {
            return openAck(options, reply, seqn, tag);
        } catch (error) {
            if (error.code === "undecryptable_ack" || error.code === "unverified_ack") {
                const why = error.code === "unverified_ack" ? "does not verify as the answer to this reset" : "does not decrypt with the key";
                throw new CliError(`the backend answered the reset of device ${id} with an acknowledgement that ${why}: the SEQN it stored is unknown`);
            }
            if (error.code === "bad_ack") {
                throw new CliError(`the backend's acknowledgement of the reset of device ${id} does not name SEQN ${seqn}`);
            }
            throw error;
        }
    }
    const fatal = refusalError(options, reply, "the reset", true);
    if (fatal) { throw fatal; }
    const code = errorCode(reply.text);
    if (format === "auth") {
        const refusal = sealedRefusal(options, reply, tag);
        if (!refusal) {
            throw new CliError(`${where} answered the reset of device ${id} with ${unexpected(reply.status, reply.text)} but no valid sealed refusal for it: not from the backend, or an answer to another request; not trusted`);
        }
        if (refusal.code === "replay" || refusal.code === "stale") {
            throw new CliError(`the backend refused the reset of device ${id} to SEQN ${seqn} (${reply.status} ${refusal.code}): its SEQN is already ${refusal.seqn} (sealed refusal), ` +
                `and resets only move it forward; to go further, resync --seqn ${refusal.seqn + 1} or more`);
        }
        throw new CliError(`the backend refused the reset of device ${id} (${reply.status} ${refusal.code}, sealed refusal; stored SEQN ${refusal.seqn})`);
    }
    if (reply.status === 409) {
        const where = code === "replay" ? `is already ${seqn}` : `is already above ${seqn}`;
        throw new CliError(`the backend refused the reset of device ${id} to SEQN ${seqn} (409 ${code || "conflict"}): its SEQN ${where}, and resets only move it forward`);
    }
    throw new CliError(`${where} answered ${unexpected(reply.status, reply.text)}`);
}

module.exports = { errorCode, readSeqn, sendData, resetSeqn };
