"use strict";
// The text a command works on: its one positional argument, or standard input.

const { usageError } = require("./errors.js");

function readStream(stream) {
    return new Promise(function (resolve, reject) {
        const chunks = [];
        stream.on("data", (chunk) => chunks.push(chunk));
        stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        stream.on("error", reject);
    });
}

/** The argument, or stdin less one trailing newline (what `echo` adds). */
async function readInput(positionals, what) {
    if (positionals.length > 1) {
        throw usageError(`give ${what} as one argument (quote it) or on standard input`);
    }
    if (positionals.length === 1) {
        return positionals[0];
    }
    if (process.stdin.isTTY) {
        throw usageError(`give ${what} as an argument or on standard input`);
    }
    const text = (await readStream(process.stdin)).replace(/\r?\n$/, "");
    if (text === "") {
        throw usageError(`standard input is empty; give ${what} there or as an argument`);
    }
    return text;
}

module.exports = { readInput };
