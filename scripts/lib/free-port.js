"use strict";
// A free TCP port on the loopback address, for a server started next.

const net = require("net");

function freePort() {
    return new Promise(function (resolve, reject) {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", function () {
            const port = server.address().port;
            server.close(function () { resolve(port); });
        });
    });
}

module.exports = { freePort };
