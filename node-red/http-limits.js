"use strict";
// Express middleware for Node-RED's `httpNodeMiddleware` setting. The http in
// node answers a malformed JSON body or one above `apiMaxLength` (5 MB by
// default) with a bare 500; for the device endpoints this reads the body with
// body-parser (the parser Node-RED itself uses) under a small limit and
// answers with the same `{"error": code}` bodies the wsn nodes use:
//   413 too_large   above the limit (checked on content-length first, then while reading)
//   400 bad_json    a JSON content type whose body is not JSON text (an empty one too)
//   400 bad_format  JSON text that is not an object: both wire formats are objects
// Any other content type reaches the wsn decrypt node as text, which parses it itself.
//
//   // settings.js
//   httpNodeMiddleware: require("@wsn-crypto/node-red-wsn-crypto/node-red/http-limits.js")({ limit: 16384 })

const path = require("path");

const DEFAULT_PATHS = [/^\/wsn\//, /^\/data\//];

/**
 * body-parser is a dependency of Node-RED, not of this package: a package in
 * ~/.node-red/node_modules cannot always reach it (a global Node-RED keeps
 * its own node_modules), so it is also looked up from the running Node-RED
 * (settings.js is loaded by its red.js, or by the application embedding it).
 */
function loadBodyParser() {
    const paths = [__dirname];
    if (require.main && require.main.filename) { paths.push(path.dirname(require.main.filename)); }
    let resolved;
    try {
        resolved = require.resolve("body-parser", { paths });
    } catch (err) {
        throw new Error(`wsn-crypto http-limits: body-parser (a dependency of Node-RED) was not found from ${paths.join(", ")}`);
    }
    return require(resolved);
}

// The same rule for "this body is JSON" as before: application/json and any
// +json type; everything else is text for the decrypt node.
function isJson(req) {
    const type = String(req.headers["content-type"] || "").toLowerCase();
    return type.startsWith("application/json") || type.includes("+json");
}

// body-parser's error types → the wsn answers. A compressed body (a device
// does not compress; the limit counts the bytes that arrive) is as unreadable
// as malformed JSON.
const ANSWERS = {
    "entity.too.large": [413, "too_large"],
    "entity.parse.failed": [400, "bad_json"],
    "encoding.unsupported": [400, "bad_json"]
};

function parseFailed() {
    return Object.assign(new Error("the body is not JSON text"), { type: "entity.parse.failed" });
}

/**
 * The body as the wsn nodes take it: the parsed object for a JSON type (JSON
 * text that is not an object answers bad_format: both wire formats are
 * objects, and a JSON string would otherwise be taken for the text of a
 * body), UTF-8 text for any other type. Throws parseFailed() for a JSON type
 * whose body is not JSON text, an empty one included.
 *
 * Why body-parser's raw parser and JSON.parse rather than its json and text
 * parsers: those decode by the declared charset (json refuses any but UTF-*,
 * 415), strip a byte-order mark and take an empty body for {}; a device's
 * body has always been read as UTF-8 whatever it declares, and stays so.
 */
function bodyOf(req, buffer) {
    const text = buffer.toString("utf8");
    if (!isJson(req)) { return text; }
    try {
        return JSON.parse(text);
    } catch (err) {
        throw parseFailed();
    }
}

module.exports = function httpLimits(options) {
    const limit = (options && options.limit) || 16384;
    const paths = (options && options.paths) || DEFAULT_PATHS;
    const bodyParser = loadBodyParser();
    // Reads every content type (Buffer in req.body, req._body set), up to
    // `limit` bytes; the 413s themselves are answered by the checks below.
    const raw = bodyParser.raw({ limit, inflate: false, type: () => true });

    function answer(res, statusCode, code) {
        if (!res.headersSent) {
            // The client may still be sending: close rather than read a refused body.
            res.status(statusCode).set("connection", "close").json({ error: code });
        }
    }

    /**
     * The error handler: body-parser's errors (and parseFailed) → the wsn
     * answers. Any other client error (an aborted or truncated body) is one
     * more unreadable body, not a stack trace in the log; the rest goes on
     * to Express.
     */
    function refuse(err, res, next) {
        const known = ANSWERS[err && err.type];
        if (known) { return answer(res, known[0], known[1]); }
        if (err && err.status >= 400 && err.status < 500) { return answer(res, 400, "bad_json"); }
        next(err);
    }

    /**
     * 413 as soon as the body is known to be too large: body-parser itself
     * answers only once the client has finished sending (it reads a refused
     * body to its end), so a body that never ends would never be answered.
     * The answer closes the connection, which ends that reading too.
     */
    function watchSize(req, res) {
        let seen = 0;
        function count(chunk) {
            seen += chunk.length;
            if (seen > limit) {
                req.removeListener("data", count);
                answer(res, 413, "too_large");
            }
        }
        req.on("data", count);
        req.once("end", function () { req.removeListener("data", count); });
    }

    return function wsnHttpLimits(req, res, next) {
        if (req.method !== "POST" || !paths.some((p) => p.test(req.path))) { return next(); }
        // With the editor at the same root ("/"), its JSON parser has read the
        // body already and answered a malformed one itself; keep httpAdminRoot
        // apart (e.g. "/admin") to have these answers.
        if (req._body || req.readableEnded) { return next(); }
        if (Number(req.headers["content-length"]) > limit) {
            req.resume();
            return answer(res, 413, "too_large");
        }
        // Attached in the same tick as body-parser's own reader: both see every chunk.
        watchSize(req, res);
        raw(req, res, function (err) {
            if (err) { return refuse(err, res, next); }
            // body-parser reads nothing of a request without a body (neither
            // content-length nor chunked): Node-RED's own raw parser then gives
            // the node an empty body; for a JSON type that is no JSON text.
            if (!req._body) {
                return isJson(req) ? refuse(parseFailed(), res, next) : next();
            }
            let body;
            try {
                body = bodyOf(req, req.body);
            } catch (parseError) {
                return refuse(parseError, res, next);
            }
            if (isJson(req) && (body === null || typeof body !== "object" || Array.isArray(body))) {
                return answer(res, 400, "bad_format");
            }
            req.body = body;
            next();
        });
    };
};
