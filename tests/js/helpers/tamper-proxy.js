"use strict";
// A loopback HTTP proxy between a device and the backend: the network an
// attacker controls. It records every request the device sent, and a test
// can have it answer the next request itself (an outsider's forged reply:
// the request never reaches the backend) or change the backend's answer to
// the next one (a reply tampered with on the way back).

const http = require("http");

const FORWARD_TIMEOUT_MS = 10000;

function readBody(stream) {
    return new Promise(function (resolve, reject) {
        const chunks = [];
        stream.on("data", (c) => chunks.push(c));
        stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        stream.on("error", reject);
    });
}

class TamperProxy {
    /** A proxy to the backend on 127.0.0.1:`targetPort`. */
    constructor(targetPort) {
        this.targetPort = targetPort;
        // Every request as {path, body, forwarded, backend: {status, body} | null, answer: {status, body}}.
        this.requests = [];
        this.actions = [];
        this.server = http.createServer((req, res) => {
            this.handle(req, res).catch(function (err) {
                res.writeHead(502, { "content-type": "text/plain" });
                res.end(`proxy: ${err.message}`);
            });
        });
    }

    /** Listens on a free loopback port; resolves the proxy's base URL. */
    start() {
        return new Promise((resolve, reject) => {
            this.server.once("error", reject);
            this.server.listen(0, "127.0.0.1", () => resolve(this.url()));
        });
    }

    url() {
        return `http://127.0.0.1:${this.server.address().port}`;
    }

    stop() {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }

    /**
     * The next request is answered by `forge(request)` ({path, body} ->
     * {status, body}) and not forwarded. The answer goes out chunked, as a
     * server that streams would send it.
     */
    answerNext(forge) {
        this.actions.push({ forge });
    }

    /** The next request is forwarded, and the backend's answer ({status, body}) replaced by `alter(answer, request)`. */
    alterNext(alter) {
        this.actions.push({ alter });
    }

    /** Drops answers set up but not used (a test that failed before its request). */
    clearActions() {
        this.actions = [];
    }

    /** The requests so far to `path`. */
    to(path) {
        return this.requests.filter((r) => r.path === path);
    }

    async handle(req, res) {
        const body = await readBody(req);
        const request = { path: req.url, body, forwarded: false, backend: null, answer: null };
        this.requests.push(request);
        const action = this.actions.shift() || {};
        if (action.forge) {
            request.answer = action.forge(request);
            res.writeHead(request.answer.status, { "content-type": "application/json" });
            // Two writes and no length: chunked.
            const half = Math.floor(request.answer.body.length / 2);
            res.write(request.answer.body.slice(0, half));
            res.end(request.answer.body.slice(half));
            return;
        }
        request.forwarded = true;
        request.backend = await this.forward(req, body);
        request.answer = action.alter ? action.alter(request.backend, request) : request.backend;
        res.writeHead(request.answer.status, { "content-type": "application/json", "content-length": Buffer.byteLength(request.answer.body) });
        res.end(request.answer.body);
    }

    forward(req, body) {
        return new Promise((resolve, reject) => {
            const out = http.request({
                host: "127.0.0.1", port: this.targetPort, method: req.method, path: req.url, timeout: FORWARD_TIMEOUT_MS,
                headers: { "content-type": req.headers["content-type"] || "application/octet-stream", "content-length": Buffer.byteLength(body) }
            }, function (answer) {
                readBody(answer).then((text) => resolve({ status: answer.statusCode, body: text }), reject);
            });
            out.on("error", reject);
            out.on("timeout", () => out.destroy(new Error(`backend gave no answer in ${FORWARD_TIMEOUT_MS} ms`)));
            out.end(body);
        });
    }
}

module.exports = { TamperProxy };
