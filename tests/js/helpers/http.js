"use strict";
// Requests to a backend on 127.0.0.1. `request`: a JSON body, answering
// {status, text}, with a 10-second limit so that a hanging endpoint fails the
// test instead of it. `exchange`: a request as a device sends it (`post`
// makes one), answering {status, headers, text, json} and keeping the answer
// in `log` for the suites' check that no secret leaks.

const http = require("http");

function request(port, method, urlPath, body) {
    return new Promise(function (resolve, reject) {
        // A string is sent as it is: body text a device wrote.
        const data = body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body);
        const req = http.request({
            host: "127.0.0.1", port, method, path: urlPath, timeout: 10000,
            headers: data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {}
        }, function (res) {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", function (d) { text += d; });
            res.on("end", function () { resolve({ status: res.statusCode, text }); });
        });
        req.on("error", reject);
        req.on("timeout", function () { req.destroy(new Error(`${method} ${urlPath}: no answer in 10 s`)); });
        req.end(data || undefined);
    });
}

const JSON_TYPE = { "content-type": "application/json" };

/** A POST request for `exchange`; JSON by default. */
function post(urlPath, body, headers) {
    return { method: "POST", path: urlPath, headers: headers || JSON_TYPE, body };
}

async function exchange(base, request, log) {
    const init = { method: request.method || "GET", headers: Object.assign({}, request.headers) };
    if (request.body !== undefined) { init.body = request.body; }
    const res = await fetch(base + request.path, init);
    const text = await res.text();
    const headers = Object.fromEntries(res.headers);
    log.push({ path: request.path, status: res.status, headers, text });
    let json;
    try { json = JSON.parse(text); } catch (e) { json = undefined; }
    return { status: res.status, headers, text, json };
}

module.exports = { request, post, exchange, JSON_TYPE };
