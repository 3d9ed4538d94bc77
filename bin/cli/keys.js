"use strict";
// Device keys and ids: generated from the operating system's CSPRNG, checked
// by the wasm core (the one place that decides what a valid key is).

const { randomBytes } = require("node:crypto");
const { wasm } = require("./core.js");
const { usageError } = require("./errors.js");

const KEY_BITS = [128, 192, 256];
// Ids go into the URL path (/wsn/:id) as they are, so only unreserved characters.
const ID_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;

/** A fresh AES key as upper-case hex, the form the article's devices use. */
function generateKey(bits) {
    return randomBytes(bits / 8).toString("hex").toUpperCase();
}

function generateId() {
    return randomBytes(3).toString("hex").toUpperCase();
}

/** Whether the core takes the key as a raw AES key (hex of 16, 24 or 32 bytes). */
function isRawKey(key) {
    try {
        wasm().encryptRaw("", key);
        return true;
    } catch (error) {
        if (error.code === "bad_key") { return false; }
        throw error;
    }
}

/** A provisioned key must work in every wire format, so it must be raw hex. */
function checkDeviceKey(key) {
    if (!isRawKey(key)) {
        throw usageError("--key must be 32, 48 or 64 hex digits (an AES-128, -192 or -256 key)");
    }
    return key;
}

function checkId(id) {
    if (!ID_PATTERN.test(id)) {
        throw usageError("--id must be 1 to 64 characters from A-Z a-z 0-9 . _ ~ -");
    }
    return id;
}

/**
 * The key a command works with: --key, else the WSN_KEY environment
 * variable (which keeps it out of the shell history and `ps`).
 */
function keyFromOptions(values) {
    const key = values.key !== undefined ? values.key : process.env.WSN_KEY;
    if (key === undefined || key === "") {
        throw usageError("a key is required: --key KEY or the WSN_KEY environment variable");
    }
    return key;
}

/**
 * Checks that a key works in the given wire format before anything is sent:
 * the raw and auth formats need hex, the passphrase format any non-empty text.
 */
function checkKeyFor(format, key) {
    if ((format === "raw" || format === "auth") && !isRawKey(key)) {
        throw usageError(`the ${format} format needs a key of 32, 48 or 64 hex digits`);
    }
    return key;
}

module.exports = { KEY_BITS, generateKey, generateId, checkDeviceKey, checkId, keyFromOptions, checkKeyFor };
