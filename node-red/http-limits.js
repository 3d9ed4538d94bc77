"use strict";
// Express middleware for Node-RED's `httpNodeMiddleware` setting. The http in
// node answers a malformed JSON body or one above `apiMaxLength` (5 MB by
// default) with a bare 500; for the device endpoints this answers 413 before
// the body is read past the limit, and 400 for a body that is not JSON, both
// with the same `{"error": code}` bodies the wsn nodes use.
//
//   // settings.js
//   httpNodeMiddleware: require("@wsn-crypto/node-red-wsn-crypto/node-red/http-limits.js")({ limit: 16384 })

const DEFAULT_PATHS = [/^\/wsn\//, /^\/data\//];

function isJson(req) {
    const type = String(req.headers["content-type"] || "").toLowerCase();
    return type.startsWith("application/json") || type.includes("+json");
}

module.exports = function httpLimits(options) {
    const limit = (options && options.limit) || 16384;
    const paths = (options && options.paths) || DEFAULT_PATHS;

    function answer(res, statusCode, code) {
        if (!res.headersSent) {
            res.status(statusCode).set("connection", "close").json({ error: code });
        }
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
        const chunks = [];
        let size = 0;
        let refused = false;
        req.on("data", function (chunk) {
            if (refused) { return; }
            size += chunk.length;
            if (size > limit) {
                refused = true;
                chunks.length = 0;
                answer(res, 413, "too_large");
                return;
            }
            chunks.push(chunk);
        });
        req.on("error", function () { refused = true; });
        req.on("end", function () {
            if (refused) { return; }
            const text = Buffer.concat(chunks).toString("utf8");
            // Mark the body as read so Node-RED's body parsers leave it alone.
            req._body = true;
            if (isJson(req)) {
                try {
                    req.body = JSON.parse(text);
                } catch (e) {
                    return answer(res, 400, "bad_json");
                }
                // Both wire formats are JSON objects; a JSON string would
                // otherwise be taken for the text of a body.
                if (req.body === null || typeof req.body !== "object" || Array.isArray(req.body)) {
                    return answer(res, 400, "bad_format");
                }
            } else {
                // Text bodies go to the wsn decrypt node, which parses them itself.
                req.body = text;
            }
            next();
        });
    };
};
