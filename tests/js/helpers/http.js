"use strict";
// Requests to a backend on 127.0.0.1. `request`: a JSON body, answering
// {status, text}. `exchange`: a request as a device sends it (`post` makes
// one), answering {status, headers, text, json} and keeping the answer in
// `log` for the suites' check that no secret leaks. `fetchWithin`: fetch with
// a limit. Every request has a limit well below
// mocha's, so that a hanging endpoint fails the test with the request named
// instead of the test running into mocha's timeout.

const http = require("http");

// Far above any single answer seen, far below the suites' mocha timeouts
// (120 s). A device's `exchange` gets more: the floods send 500 at once, and
// the last of them waits behind the others.
const REQUEST_TIMEOUT_MS = 10000;
const EXCHANGE_TIMEOUT_MS = 30000;

function request(port, method, urlPath, body, options) {
    const timeout = (options && options.timeout) || REQUEST_TIMEOUT_MS;
    return new Promise(function (resolve, reject) {
        // A string is sent as it is: body text a device wrote.
        const data = body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body);
        const req = http.request({
            host: "127.0.0.1", port, method, path: urlPath, timeout,
            headers: data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {}
        }, function (res) {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", function (d) { text += d; });
            res.on("end", function () { resolve({ status: res.statusCode, text }); });
        });
        req.on("error", function (err) { reject(new Error(`${method} ${urlPath.slice(0, 80)} on port ${port}: ${err.message}`)); });
        req.on("timeout", function () { req.destroy(new Error(`no answer in ${timeout} ms`)); });
        req.end(data || undefined);
    });
}

/**
 * fetch(url, init) that rejects after `timeout` ms (REQUEST_TIMEOUT_MS by
 * default) with an error naming the request, and names it on any other
 * failure too (a refused connection).
 */
async function fetchWithin(url, init, timeout) {
    const limit = timeout || REQUEST_TIMEOUT_MS;
    const what = `${(init && init.method) || "GET"} ${String(url).slice(0, 100)}`;
    try {
        return await fetch(url, Object.assign({}, init, { signal: AbortSignal.timeout(limit) }));
    } catch (err) {
        const reason = err.name === "TimeoutError" ? `no answer in ${limit} ms` : (err.cause && err.cause.message) || err.message;
        const named = new Error(`${what}: ${reason}`);
        named.cause = err;
        throw named;
    }
}

/**
 * The body of a fetch answer as text. The limit of fetchWithin covers the
 * body too (a server may send headers and then stall); this names the request.
 */
async function textWithin(res, what) {
    try {
        return await res.text();
    } catch (err) {
        throw new Error(`${what}: body not read: ${err.name === "TimeoutError" ? "time limit reached" : err.message}`);
    }
}

const JSON_TYPE = { "content-type": "application/json" };

/** A POST request for `exchange`; JSON by default. */
function post(urlPath, body, headers) {
    return { method: "POST", path: urlPath, headers: headers || JSON_TYPE, body };
}

async function exchange(base, request, log) {
    const init = { method: request.method || "GET", headers: Object.assign({}, request.headers) };
    if (request.body !== undefined) { init.body = request.body; }
    const res = await fetchWithin(base + request.path, init, EXCHANGE_TIMEOUT_MS);
    const text = await textWithin(res, `${init.method} ${request.path.slice(0, 80)}`);
    const headers = Object.fromEntries(res.headers);
    log.push({ path: request.path, status: res.status, headers, text });
    let json;
    try { json = JSON.parse(text); } catch (e) { json = undefined; }
    return { status: res.status, headers, text, json };
}

module.exports = { REQUEST_TIMEOUT_MS, EXCHANGE_TIMEOUT_MS, request, fetchWithin, textWithin, post, exchange, JSON_TYPE };
