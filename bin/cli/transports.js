"use strict";
// How a device's request reaches the backend and its answer comes back:
// over HTTP (GET and POST on /wsn/:id and /data/:id) or over MQTT (a publish
// on wsn/<id>/up, the answer on wsn/<id>/down/...). Both hand the device's
// protocol (device-client.js) the same thing: {status, text, latencyMs},
// the status over MQTT being the one HTTP would have sent for the answer's
// error code (the core's table), so that every rule about answers is
// written once.

const crypto = require("crypto");
const { wasm } = require("./core.js");
const { CliError, usageError } = require("./errors.js");

const DEFAULT_URL = "http://127.0.0.1:1880";

// --- HTTP ---

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

/** The HTTP transport: `base` the backend's URL. */
function httpTransport(base, id, timeoutMs) {
    async function request(url, init) {
        const started = process.hrtime.bigint();
        let response;
        let text;
        try {
            response = await fetch(url, Object.assign({ signal: AbortSignal.timeout(timeoutMs) }, init));
            text = await response.text();
        } catch (error) {
            throw new CliError(`cannot reach the backend at ${url.origin}: ${networkReason(error)} (is Node-RED with the wsn flows running there? npm start runs one on 127.0.0.1:1880)`);
        }
        return { status: response.status, text, latencyMs: Number(process.hrtime.bigint() - started) / 1e6 };
    }
    return {
        origin: base.origin,
        /** Where a request goes, for messages: "POST /data/12FA". */
        where: (route, body, query) => `${body === null ? "GET" : "POST"} ${endpoint(base, route, id, query).pathname}`,
        /** `body` null: a GET (with `query`, e.g. "format=raw"). */
        send(route, body, query) {
            const url = endpoint(base, route, id, query);
            if (body === null) { return request(url, { method: "GET" }); }
            return request(url, { method: "POST", headers: { "content-type": "application/json" }, body });
        },
        close: () => Promise.resolve()
    };
}

// --- MQTT ---

function brokerUrl(text) {
    let url;
    try {
        url = new URL(text);
    } catch (e) {
        url = null;
    }
    if (!url || !["mqtt:", "mqtts:"].includes(url.protocol)) {
        throw usageError("--mqtt must be an mqtt:// or mqtts:// URL, e.g. mqtt://127.0.0.1:1883");
    }
    if (url.username || url.password) {
        throw usageError("--mqtt takes no user name or password: the user is --mqtt-user (default: the device id), the password WSN_MQTT_PASSWORD");
    }
    return url;
}

/**
 * The MQTT transport, as the shipped MQTT flows expect a device: logged in
 * as `user` (the device id unless given), every request published at QoS 1
 * on wsn/<id>/up with an MQTT 5 response topic of this run's own inside
 * wsn/<id>/down/ and correlation data that matches the answer to it. A
 * legacy SEQN query (a GET over HTTP) is an empty payload. There is no
 * 404 over MQTT: an unknown device gets no answer, so a missing answer
 * says so.
 */
async function mqttTransport(url, id, timeoutMs, login) {
    const mqtt = require("mqtt");
    const where = `${url.protocol}//${url.host}`;
    let client;
    try {
        client = await mqtt.connectAsync(url.href, {
            protocolVersion: 5, username: login.user, password: login.password, reconnectPeriod: 0, connectTimeout: timeoutMs
        }, false);
    } catch (error) {
        const refused = /Not authorized|Bad User Name or Password|bad username or password/i.test(error.message || "");
        throw new CliError(`cannot connect to the broker at ${where} as ${login.user}: ${refused ? "user name or password refused (WSN_MQTT_PASSWORD)" : error.message}`);
    }
    // Small packets at once: Nagle's algorithm would hold a request until the
    // broker's delayed ACK of the one before (about 40 ms).
    if (client.stream && typeof client.stream.setNoDelay === "function") { client.stream.setNoDelay(true); }
    const replyTopic = `wsn/${id}/down/cli-${crypto.randomBytes(6).toString("hex")}`;
    const pending = new Map();
    client.on("message", function (topic, payload, packet) {
        const tag = packet.properties && packet.properties.correlationData;
        const key = tag ? Buffer.from(tag).toString("hex") : "";
        const waiting = pending.get(key);
        if (waiting) { pending.delete(key); waiting(payload.toString("utf8")); }
    });
    const [grant] = await withTimeout(client.subscribeAsync(replyTopic, { qos: 1 }), timeoutMs,
        () => new CliError(`the broker at ${where} did not answer the subscription to ${replyTopic} in ${timeoutMs} ms`)).catch(async function (error) {
        await client.endAsync(true);
        throw error;
    });
    if (!grant || grant.qos > 2) {
        await client.endAsync(true);
        throw new CliError(`the broker at ${where} refused ${login.user} a subscription to ${replyTopic} (its ACL)`);
    }
    let counter = 0;
    return {
        origin: where,
        where: () => `MQTT wsn/${id}/up`,
        async send(route, body) {
            const correlation = Buffer.alloc(8);
            correlation.writeBigUInt64BE(BigInt(++counter));
            const key = correlation.toString("hex");
            const started = process.hrtime.bigint();
            const answered = new Promise(function (resolve) { pending.set(key, resolve); });
            const noAnswer = () => new CliError(`no answer on wsn/${id}/down in ${timeoutMs} ms from the backend behind ${where}: ` +
                `over MQTT an unknown device gets none (is device ${id} provisioned in the backend's database?), or no backend is subscribed to wsn/+/up`);
            let text;
            try {
                // One deadline for the broker's PUBACK and the backend's answer.
                text = await withTimeout((async function () {
                    try {
                        await client.publishAsync(`wsn/${id}/up`, body === null ? "" : body, { qos: 1, properties: { responseTopic: replyTopic, correlationData: correlation } });
                    } catch (error) {
                        throw new CliError(`the broker at ${where} refused the publish on wsn/${id}/up: ${error.message} (its ACL lets a device publish on its own topic only)`);
                    }
                    return answered;
                })(), timeoutMs, noAnswer);
            } finally {
                pending.delete(key);
            }
            return { status: statusOf(text), text, latencyMs: Number(process.hrtime.bigint() - started) / 1e6 };
        },
        close: () => client.endAsync()
    };
}

/** `promise`, or a rejection with `error()` once `ms` pass first; the timer never outlives it. */
function withTimeout(promise, ms, error) {
    let timer;
    const expired = new Promise(function (resolve, reject) { timer = setTimeout(() => reject(error()), ms); });
    return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** The HTTP status of an answer over MQTT: its error code's, or 200. */
function statusOf(text) {
    let code;
    try {
        const body = JSON.parse(text);
        code = body && typeof body.error === "string" ? body.error : undefined;
    } catch (e) {
        code = undefined;
    }
    return code === undefined ? 200 : wasm.httpStatus(code);
}

/**
 * Where the options say the backend is, checked before anything else is
 * done: --mqtt URL (with --mqtt-user and WSN_MQTT_PASSWORD), else --url
 * (default http://127.0.0.1:1880).
 */
function transportTarget(values, id) {
    if (values.mqtt !== undefined) {
        if (values.url !== undefined) { throw usageError("give either --url (HTTP) or --mqtt (MQTT), not both"); }
        return { mqtt: brokerUrl(values.mqtt), id, login: { user: values["mqtt-user"] || id, password: process.env.WSN_MQTT_PASSWORD || undefined } };
    }
    if (values["mqtt-user"] !== undefined) { throw usageError("--mqtt-user goes with --mqtt"); }
    return { http: baseUrl(values.url || DEFAULT_URL), id };
}

/** The transport to `target` (transportTarget's); close() it when done. */
function openTransport(target, timeoutMs) {
    if (target.mqtt) { return mqttTransport(target.mqtt, target.id, timeoutMs, target.login); }
    return Promise.resolve(httpTransport(target.http, target.id, timeoutMs));
}

/** The options every command that acts as a device takes to reach the backend. */
const TRANSPORT_OPTIONS = { url: { type: "string" }, mqtt: { type: "string" }, "mqtt-user": { type: "string" } };

const TRANSPORT_HELP = `  --url URL          the backend over HTTP (default ${DEFAULT_URL})
  --mqtt URL         the backend over MQTT instead, through the broker at URL
                     (mqtt://host:port): requests on wsn/<id>/up, answers on
                     wsn/<id>/down/...; the password is WSN_MQTT_PASSWORD
  --mqtt-user NAME   the broker user (default: the device id)`;

module.exports = { DEFAULT_URL, transportTarget, openTransport, TRANSPORT_OPTIONS, TRANSPORT_HELP };
