"use strict";
// Puts Node-RED Dashboard 2 behind the editor's users. Dashboard 2 does not
// use adminAuth: its pages, its files, its socket and its debug routes (which
// answer any widget's last data) are open to anyone who can reach the port.
// In settings.js:
//
//   const adminAuth = { type: "credentials", users: [{ username: "admin", password: "$2b$08$...", permissions: "*" }] };
//   module.exports = {
//       adminAuth,
//       dashboard: require("@wsn-crypto/node-red-wsn-crypto/node-red/dashboard-auth.js")(adminAuth),
//       ...
//   };
//
// Every dashboard request then needs HTTP Basic credentials of an adminAuth
// user (the browser asks once), checked as the editor checks its login: the
// same users, bcrypt hashes, `users` or `authenticate` functions, and
// `default` (anonymous access) if set. The socket's handshake is checked the
// same way, since the HTTP middleware never sees socket.io's requests.
// Without adminAuth it changes nothing. A `strategy` adminAuth (OAuth) has
// no password to check: every dashboard request is refused, 403.

const crypto = require("crypto");
const path = require("path");

/** Node-RED's own bcrypt (the editor's): resolved from Node-RED's install, which the settings file runs under. */
function bcrypt() {
    const from = [require.main ? path.dirname(require.main.filename) : process.cwd(), __dirname];
    for (const name of ["@node-rs/bcrypt", "bcryptjs"]) {
        try { return require(require.resolve(name, { paths: from })); } catch (e) { /* the next one */ }
    }
    throw new Error("dashboard-auth: no bcrypt module (Node-RED ships bcryptjs)");
}

// The hash of a random password nobody knows, at the cost `node-red admin
// hash-pw` uses (8): an unknown user costs the time a wrong password does.
const NO_USER = "$2b$08$RUm5UOJtiZFKELT5hifOle6o7JHJlfPMhTaDX7tf8nDsRouxoyyCq";
// A checked Authorization header is remembered this long (bcrypt takes tens
// of milliseconds, and a browser sends the header with every file and poll).
const REMEMBER_MS = 5 * 60 * 1000;
const REMEMBER_MAX = 1000;

function dashboardAuth(adminAuth) {
    if (!adminAuth) { return {}; }
    const remembered = new Map();
    const digest = (header) => crypto.createHash("sha256").update(header).digest("hex");

    async function user(username, password) {
        if (typeof adminAuth.authenticate === "function") { return adminAuth.authenticate(username, password); }
        let found;
        if (typeof adminAuth.users === "function") {
            found = await adminAuth.users(username);
        } else {
            const list = Array.isArray(adminAuth.users) ? adminAuth.users : adminAuth.users ? [adminAuth.users] : [];
            found = list.find((u) => u && u.username === username);
        }
        const hash = found && typeof found.password === "string" ? found.password : NO_USER;
        const ok = await bcrypt().compare(password, hash);
        return ok && found ? found : null;
    }

    /** True when the request may see the dashboard: anonymous access allowed, or Basic credentials of a user. */
    async function allowed(header) {
        if (adminAuth.type !== "credentials") { return false; }
        if (adminAuth.default) { return true; }
        if (typeof header !== "string" || !/^Basic [A-Za-z0-9+/=]+$/.test(header)) { return false; }
        const key = digest(header);
        const until = remembered.get(key);
        if (until && until > Date.now()) { return true; }
        const text = Buffer.from(header.slice(6), "base64").toString("utf8");
        const colon = text.indexOf(":");
        if (colon < 0) { return false; }
        let found = null;
        try { found = await user(text.slice(0, colon), text.slice(colon + 1)); } catch (e) { found = null; }
        if (!found) { return false; }
        if (remembered.size >= REMEMBER_MAX) { remembered.clear(); }
        remembered.set(key, Date.now() + REMEMBER_MS);
        return true;
    }

    function middleware(req, res, next) {
        allowed(req.headers.authorization).then(function (ok) {
            if (ok) { next(); return; }
            if (adminAuth.type !== "credentials") {
                res.status(403).type("text/plain").send("dashboard-auth: this adminAuth has no passwords to check; put the dashboard behind your proxy's login\n");
                return;
            }
            res.set("WWW-Authenticate", "Basic realm=\"Node-RED dashboard\", charset=\"UTF-8\"").status(401).type("text/plain").send("Log in with a Node-RED editor user\n");
        }, next);
    }

    function ioMiddleware(socket, next) {
        // Dashboard 2's own checks, which a middleware of ours replaces: a
        // socket must start by polling, from the page's own origin.
        if (String(socket.request.url).includes("transport=websocket") || socket.handshake.xdomain !== false) {
            next(new Error("refused"));
            return;
        }
        allowed(socket.request.headers.authorization).then(function (ok) {
            next(ok ? undefined : new Error("unauthorized"));
        }, function () { next(new Error("unauthorized")); });
    }

    return { middleware, ioMiddleware };
}

module.exports = dashboardAuth;
