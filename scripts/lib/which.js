"use strict";
// Where a program is: the PATH, then the system directories a root shell
// has and a user's may lack (Debian puts mariadbd and mosquitto in /usr/sbin).

const fs = require("fs");
const path = require("path");

/** The executable `name` on the PATH or in /usr/sbin, /usr/bin, /sbin; null if none. */
function which(name) {
    const dirs = (process.env.PATH || "").split(path.delimiter).concat(["/usr/sbin", "/usr/bin", "/sbin"]);
    for (const dir of dirs) {
        const file = path.join(dir, name);
        try { fs.accessSync(file, fs.constants.X_OK); return file; } catch (e) { /* next */ }
    }
    return null;
}

module.exports = { which };
