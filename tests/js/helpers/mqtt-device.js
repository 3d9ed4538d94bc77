"use strict";
// A device as the MQTT tests play it: an mqtt.js client (MQTT 5) logged in
// with the device id as its user name, subscribed to its reply topics, that
// publishes a request on wsn/<id>/up and takes the next reply. Replies are
// queued as they come, so that none is missed between two requests.

const mqtt = require("mqtt");

/**
 * Connects `dev` ({id, mqttPassword}) to `url`. Options: `qos` of the
 * subscription (1), `username`/`password` to log in as someone else,
 * `anonymous` to log in as nobody.
 */
async function connect(url, dev, options) {
    const opts = options || {};
    const client = await mqtt.connectAsync(url, {
        protocolVersion: 5,
        // `anonymous`: no user name or password at all.
        username: opts.anonymous ? undefined : opts.username || dev.id,
        password: opts.anonymous ? undefined : opts.password || dev.mqttPassword,
        // Reconnects by itself after a broker restart, as a device would.
        reconnectPeriod: 200,
        connectTimeout: 5000
    });
    const queue = [];
    const waiting = [];
    client.on("message", function (topic, payload, packet) {
        const reply = { topic, text: payload.toString("utf8"), properties: packet.properties || {}, qos: packet.qos, retain: packet.retain };
        const next = waiting.shift();
        if (next) { next(reply); } else { queue.push(reply); }
    });
    // One filter: "down/#" takes "down" itself too, and two overlapping
    // filters would get every reply twice.
    const grants = await client.subscribeAsync(`wsn/${dev.id}/down/#`, { qos: opts.qos === undefined ? 1 : opts.qos });
    return {
        client,
        grants,
        /** The next reply, or a rejection after `ms`. */
        next(ms) {
            if (queue.length) { return Promise.resolve(queue.shift()); }
            return new Promise(function (resolve, reject) {
                const timer = setTimeout(function () {
                    const i = waiting.indexOf(take);
                    if (i >= 0) { waiting.splice(i, 1); }
                    reject(new Error(`no reply for ${dev.id} in ${ms} ms`));
                }, ms);
                function take(reply) { clearTimeout(timer); resolve(reply); }
                waiting.push(take);
            });
        },
        /** Replies received and not taken yet. */
        pending: () => queue.length,
        /** Publishes `text` on wsn/<id>/up (or `opts.topic`); resolves with the broker's acknowledgement (QoS 1). */
        publish(text, publishOptions) {
            const p = publishOptions || {};
            return client.publishAsync(p.topic || `wsn/${dev.id}/up`, text, { qos: p.qos === undefined ? 1 : p.qos, retain: Boolean(p.retain), properties: p.properties });
        },
        /** Publishes a request and resolves with its reply. */
        async request(text, publishOptions, ms) {
            await this.publish(text, publishOptions);
            return this.next(ms || 10000);
        },
        /** Closes the connection without waiting for a broker that may be gone. */
        end: () => client.endAsync(true)
    };
}

module.exports = { connect };
