"use strict";
// node-red/dashboard-auth.js on the adminAuth shapes Node-RED accepts, each
// behind a real HTTP server (Node's http, the middleware in front of a
// handler that answers 200), with Node-RED's own bcryptjs. The dashboard
// itself, its socket and the browser are in dashboard.test.js.

const http = require("http");
const should = require("should");
const bcrypt = require("bcryptjs");
const dashboardAuth = require("../../node-red/dashboard-auth.js");

const PASSWORD = "correct horse";
const HASH = bcrypt.hashSync(PASSWORD, 8);
const basic = (user, password) => "Basic " + Buffer.from(`${user}:${password}`).toString("base64");

/** A server whose every request passes the middleware first; resolves to its port and a closer. */
async function serve(middleware) {
    const server = http.createServer(function (req, res) {
        // The few Express response methods the middleware uses, over Node's own.
        res.status = (code) => { res.statusCode = code; return res; };
        res.set = (name, value) => { res.setHeader(name, value); return res; };
        res.type = (type) => { res.setHeader("content-type", type); return res; };
        res.send = (body) => res.end(body);
        middleware(req, res, function (err) { res.statusCode = err ? 500 : 200; res.end(err ? "error" : "dashboard"); });
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function status(port, authorization) {
    const res = await fetch(`http://127.0.0.1:${port}/dashboard/fleet`, { headers: authorization ? { authorization } : {} });
    return res.status;
}

describe("dashboard-auth: the editor's adminAuth, every shape", function () {
    const cases = [
        ["a users list", { type: "credentials", users: [{ username: "op", password: HASH, permissions: "read" }] }],
        ["a single user object", { type: "credentials", users: { username: "op", password: HASH, permissions: "*" } }],
        ["a users function", { type: "credentials", users: (name) => Promise.resolve(name === "op" ? { username: "op", password: HASH, permissions: "*" } : null) }],
        ["an authenticate function", { type: "credentials", authenticate: (name, password) => Promise.resolve(name === "op" && password === PASSWORD ? { username: "op" } : null) }]
    ];
    for (const [shape, adminAuth] of cases) {
        it(`with ${shape}: the user passes, anyone else gets 401`, async function () {
            const server = await serve(dashboardAuth(adminAuth).middleware);
            try {
                (await status(server.port, basic("op", PASSWORD))).should.equal(200);
                (await status(server.port)).should.equal(401);
                (await status(server.port, basic("op", "wrong"))).should.equal(401);
                (await status(server.port, basic("other", PASSWORD))).should.equal(401);
                (await status(server.port, "Bearer abc")).should.equal(401);
            } finally {
                await server.close();
            }
        });
    }

    it("opens the dashboard as the editor when adminAuth gives anonymous users access (default)", async function () {
        const server = await serve(dashboardAuth({ type: "credentials", users: [], default: { permissions: "read" } }).middleware);
        try {
            (await status(server.port)).should.equal(200);
        } finally {
            await server.close();
        }
    });

    it("asks a default function, as the editor does: open when it answers a user, closed when it answers none", async function () {
        for (const [answer, expected] of [[{ anonymous: true, permissions: "read" }, 200], [null, 401]]) {
            const server = await serve(dashboardAuth({ type: "credentials", users: [], default: () => Promise.resolve(answer) }).middleware);
            try {
                (await status(server.port)).should.equal(expected);
            } finally {
                await server.close();
            }
        }
    });

    it("takes the scheme in any case (RFC 7617), and a colon inside the password", async function () {
        const hash = bcrypt.hashSync("a:b", 8);
        const server = await serve(dashboardAuth({ type: "credentials", users: [{ username: "op", password: hash }] }).middleware);
        try {
            (await status(server.port, basic("op", "a:b").replace("Basic", "basic"))).should.equal(200);
            (await status(server.port, basic("op", "a"))).should.equal(401);
        } finally {
            await server.close();
        }
    });

    it("checks two passwords at a time and answers 503 past a short queue, so wrong passwords cannot hold the thread pool", async function () {
        const server = await serve(dashboardAuth(cases[0][1]).middleware);
        try {
            const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => status(server.port, basic("op", `wrong ${i}`))));
            answers.filter((s) => s === 503).length.should.be.above(0);
            answers.filter((s) => s === 401).length.should.be.aboveOrEqual(34);
            answers.every((s) => s === 503 || s === 401).should.be.true();
            // The queue drains: the user gets in afterwards.
            (await status(server.port, basic("op", PASSWORD))).should.equal(200);
        } finally {
            await server.close();
        }
    });

    it("refuses everyone (403) under an OAuth adminAuth, which has no password to check", async function () {
        const server = await serve(dashboardAuth({ type: "strategy", strategy: {} }).middleware);
        try {
            (await status(server.port, basic("op", PASSWORD))).should.equal(403);
        } finally {
            await server.close();
        }
    });

    it("changes nothing without adminAuth", function () {
        dashboardAuth(undefined).should.eql({});
    });

    it("refuses a socket that starts on websocket or comes from another origin, before any password", function (done) {
        const { ioMiddleware } = dashboardAuth(cases[0][1]);
        const socket = (url, xdomain) => ({ request: { url, headers: { authorization: basic("op", PASSWORD) } }, handshake: { xdomain } });
        ioMiddleware(socket("/dashboard/socket.io/?EIO=4&transport=websocket", false), function (first) {
            should.exist(first);
            ioMiddleware(socket("/dashboard/socket.io/?EIO=4&transport=polling", true), function (second) {
                should.exist(second);
                ioMiddleware(socket("/dashboard/socket.io/?EIO=4&transport=polling", false), function (third) {
                    should.not.exist(third);
                    done();
                });
            });
        });
    });
});
