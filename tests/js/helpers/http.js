"use strict";
// A JSON request to a backend on 127.0.0.1, answering {status, text}; with a
// 10-second limit so that a hanging endpoint fails the test instead of it.

const http = require("http");

function request(port, method, urlPath, body) {
    return new Promise(function (resolve, reject) {
        const data = body === undefined ? null : JSON.stringify(body);
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

module.exports = { request };
