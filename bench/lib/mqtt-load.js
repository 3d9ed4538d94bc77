"use strict";
// A closed-loop MQTT load, as autocannon makes one over HTTP: one client per
// device (its own broker login), each with one request in flight, publishing
// the next body on wsn/<id>/up as soon as the answer to the last one came on
// wsn/<id>/down. Answers the shape of autocannon's result that bench/e2e.js
// reads: requests {average, total}, latency {p50, p99} in ms, errors,
// timeouts, non2xx (answers with an "error" member).

const mqtt = require("mqtt");

/** Connects one client per device: `devices` [{id, mqttPassword}]. */
async function connectAll(url, devices) {
    const clients = [];
    for (const dev of devices) {
        const client = await mqtt.connectAsync(url, { protocolVersion: 5, username: dev.id, password: dev.mqttPassword, reconnectPeriod: 0 });
        // Small packets at once, as a device's stack sends them (and the CLI).
        client.stream.setNoDelay(true);
        await client.subscribeAsync(`wsn/${dev.id}/down/#`, { qos: 1 });
        clients.push({ dev, client });
    }
    return clients;
}

/** The p-th percentile (0..100) of sorted numbers. */
function percentile(sorted, p) {
    if (sorted.length === 0) { return 0; }
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Runs for `seconds`: each client publishes `nextBody(dev)` and waits for
 * its answer (at most `timeoutMs`), again and again.
 */
async function run(clients, seconds, nextBody, timeoutMs) {
    const latencies = [];
    let errors = 0;
    let timeouts = 0;
    let non2xx = 0;
    const deadline = Date.now() + seconds * 1000;
    await Promise.all(clients.map(async function ({ dev, client }) {
        let answer = null;
        client.removeAllListeners("message");
        client.on("message", function (topic, payload) { if (answer) { const a = answer; answer = null; a(payload.toString("utf8")); } });
        while (Date.now() < deadline) {
            const started = process.hrtime.bigint();
            const got = new Promise(function (resolve) {
                const timer = setTimeout(function () { answer = null; resolve(null); }, timeoutMs);
                answer = function (text) { clearTimeout(timer); resolve(text); };
            });
            try {
                await client.publishAsync(`wsn/${dev.id}/up`, nextBody(dev), { qos: 1 });
            } catch (e) {
                errors++;
                continue;
            }
            const text = await got;
            if (text === null) { timeouts++; continue; }
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            if (text.startsWith("{\"error\"")) { non2xx++; }
        }
    }));
    latencies.sort((a, b) => a - b);
    const round = (ms) => Math.round(ms * 100) / 100;
    return {
        requests: { average: latencies.length / seconds, total: latencies.length },
        latency: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
        errors, timeouts, non2xx
    };
}

async function closeAll(clients) {
    await Promise.all(clients.map(({ client }) => client.endAsync(true)));
}

module.exports = { connectAll, run, closeAll };
