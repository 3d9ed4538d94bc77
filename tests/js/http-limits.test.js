"use strict";
// node-red/http-limits.js in a real Express app on a loopback port: the 413
// must come while the client is still sending, or a body that never ends
// would hold a connection (and its buffers) open for as long as the client likes.

const http = require("http");
const express = require("express");
require("should");
const httpLimits = require("../../node-red/http-limits.js");
const { within } = require("./helpers/until.js");

const LIMIT = 1024;

/** Starts the app; resolves to its port. */
function serve(app) {
    return new Promise((resolve) => {
        const server = app.listen(0, "127.0.0.1", () => resolve(server));
    });
}

/**
 * Sends a POST whose body `write(req)` streams and never ends; resolves to
 * the answer's status and body as soon as the server answers.
 */
function answerWhileSending(port, headers, write) {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/data/12FA", headers }, (res) => {
            let text = "";
            res.on("data", (c) => { text += c; });
            res.on("end", () => { req.destroy(); resolve({ status: res.statusCode, body: JSON.parse(text), connection: res.headers.connection }); });
        });
        req.on("error", () => {});
        write(req);
        req.on("close", () => reject(new Error("the connection closed without an answer")));
    });
}

describe("http-limits: 413 while the body is still arriving", function () {
    let server;
    let reached;

    before(async function () {
        const app = express();
        app.use(httpLimits({ limit: LIMIT }));
        reached = 0;
        app.post("/data/:id", (req, res) => { reached++; res.json({ ok: true }); });
        server = await serve(app);
    });

    after(function () { server.close(); });

    it("answers 413 too_large to a chunked body that never ends, and closes", async function () {
        const answer = await within(answerWhileSending(server.address().port, { "content-type": "application/json" }, (req) => {
            // 4 KiB at once, then nothing more and no end: a client holding the body open.
            req.write("{\"msg\":\"" + "A".repeat(4096));
        }), { timeout: 5000, what: "the answer to an endless chunked body" });
        answer.should.eql({ status: 413, body: { error: "too_large" }, connection: "close" });
        reached.should.equal(0);
    });

    it("answers 413 to a declared length above the limit before any body arrives", async function () {
        const answer = await within(answerWhileSending(server.address().port, { "content-type": "application/json", "content-length": String(1e9) }, (req) => req.flushHeaders()),
            { timeout: 5000, what: "the answer to a 1 GB declared length" });
        answer.should.eql({ status: 413, body: { error: "too_large" }, connection: "close" });
        reached.should.equal(0);
    });

    it("lets a body within the limit through to the route, parsed", async function () {
        const res = await fetch(`http://127.0.0.1:${server.address().port}/data/12FA`, {
            method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ msg: "A".repeat(LIMIT - 20) })
        });
        res.status.should.equal(200);
        (await res.json()).should.eql({ ok: true });
    });
});
