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

let bcryptModule = null;
/** Node-RED's own bcrypt (the editor's): resolved once, from Node-RED's install, which the settings file runs under. */
function bcrypt() {
    if (bcryptModule) { return bcryptModule; }
    const from = [require.main ? path.dirname(require.main.filename) : process.cwd(), __dirname];
    for (const name of ["@node-rs/bcrypt", "bcryptjs"]) {
        try {
            bcryptModule = require(require.resolve(name, { paths: from }));
            return bcryptModule;
        } catch (e) { /* the next one */ }
    }
    throw new Error("dashboard-auth: no bcrypt module (Node-RED ships bcryptjs)");
}

// A checked Authorization header is remembered this long (bcrypt takes tens
// of milliseconds, and a browser sends the header with every file and poll).
// A user removed or a password changed takes effect at most this late (and a
// socket already open stays open).
const REMEMBER_MS = 5 * 60 * 1000;
const REMEMBER_MAX = 1000;
// bcrypt runs on libuv's thread pool, which the database's queries share:
// at most this many checks at once, this many more waiting; past that a
// request is answered 503 at once (an outsider's wrong passwords must not
// stall the devices' writes).
const CHECKS_AT_ONCE = 2;
const CHECKS_WAITING = 32;

/** The bcrypt cost of a hash ("$2b$08$..." is 8); 8, what `node-red admin hash-pw` uses, when there is none. */
function costOf(hash) {
    const match = /^\$2[abxy]?\$(\d\d)\$/.exec(typeof hash === "string" ? hash : "");
    return match ? Number(match[1]) : 8;
}

function dashboardAuth(adminAuth) {
    if (!adminAuth) { return {}; }
    const remembered = new Map();
    const digest = (header) => crypto.createHash("sha256").update(header).digest("hex");
    const list = Array.isArray(adminAuth.users) ? adminAuth.users : adminAuth.users && typeof adminAuth.users === "object" ? [adminAuth.users] : [];
    // The hash of a random password nobody knows, at the users' cost: an
    // unknown user costs the time a wrong password does. Made on first use.
    let noUser = null;
    const noUserHash = () => noUser || (noUser = bcrypt().hash(crypto.randomBytes(16).toString("hex"), costOf(list[0] && list[0].password)));
    let running = 0;
    const waiting = [];

    /** Runs `check` when fewer than CHECKS_AT_ONCE run; rejects with code "busy" when too many wait. */
    function limited(check) {
        if (running >= CHECKS_AT_ONCE && waiting.length >= CHECKS_WAITING) {
            return Promise.reject(Object.assign(new Error("too many logins at once"), { code: "busy" }));
        }
        return new Promise(function (resolve, reject) {
            const start = function () {
                running += 1;
                Promise.resolve().then(check).then(resolve, reject).finally(function () {
                    running -= 1;
                    if (waiting.length) { waiting.shift()(); }
                });
            };
            if (running < CHECKS_AT_ONCE) { start(); } else { waiting.push(start); }
        });
    }

    async function user(username, password) {
        if (typeof adminAuth.authenticate === "function") { return adminAuth.authenticate(username, password); }
        const found = typeof adminAuth.users === "function" ? await adminAuth.users(username) : list.find((u) => u && u.username === username);
        const hash = found && typeof found.password === "string" ? found.password : await noUserHash();
        const ok = await bcrypt().compare(password, hash);
        return ok && found ? found : null;
    }

    /**
     * True when the request may see the dashboard: anonymous users have
     * access (adminAuth.default, an object or a function that answers a
     * user), or the header holds Basic credentials of a user.
     */
    async function allowed(header) {
        if (adminAuth.type !== "credentials") { return false; }
        if (adminAuth.default) {
            const anonymous = typeof adminAuth.default === "function" ? await adminAuth.default() : adminAuth.default;
            if (anonymous) { return true; }
        }
        const match = typeof header === "string" ? /^basic +([A-Za-z0-9+/=]+)$/i.exec(header) : null;
        if (!match) { return false; }
        const key = digest(match[1]);
        const until = remembered.get(key);
        if (until && until > Date.now()) { return true; }
        const text = Buffer.from(match[1], "base64").toString("utf8");
        const colon = text.indexOf(":");
        if (colon < 0) { return false; }
        const found = await limited(() => user(text.slice(0, colon), text.slice(colon + 1)).catch(() => null));
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
        }, function (err) {
            if (err && err.code === "busy") { res.set("Retry-After", "1").status(503).type("text/plain").send("Too many logins at once; try again\n"); return; }
            next(err);
        });
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
