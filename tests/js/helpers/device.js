"use strict";
// A device as the end-to-end tests play it, built without this package's
// wasm so that the two sides of every exchange are independent:
// - the passphrase format with crypto-js, as the article's Node.js client and
//   the original CryptoJS flows do it;
// - the raw-key format with node:crypto, as the ESP8266 firmware's AES library
//   (spaniakos/AES) produces it: the hex key as an AES-128/192/256 key, a
//   random 16-byte IV, AES-CBC with PKCS#7, body {"iv":b64,"data":b64}.
// In both, the plaintext is base64 of the JSON message.

const crypto = require("crypto");
const CryptoJS = require("crypto-js");

const RAW_CIPHERS = { 16: "aes-128-cbc", 24: "aes-192-cbc", 32: "aes-256-cbc" };

function rawCipherName(key) {
    const name = RAW_CIPHERS[key.length];
    if (!name) { throw new Error(`a raw key is 16, 24 or 32 bytes, not ${key.length}`); }
    return name;
}

/** base64 of the JSON text; a string is taken as JSON text already (hand-written firmware messages). */
function envelope(message) {
    const json = typeof message === "string" ? message : JSON.stringify(message);
    return Buffer.from(json, "utf8").toString("base64");
}

/** The JSON inside a decrypted envelope. */
function openEnvelope(text) {
    return JSON.parse(Buffer.from(text, "base64").toString("utf8"));
}

// --- passphrase format (crypto-js) ---

/** CryptoJS.AES.encrypt(text, passphrase).toString(): base64("Salted__" + salt + ciphertext). */
function passphraseEncrypt(text, passphrase) {
    return CryptoJS.AES.encrypt(text, passphrase).toString();
}

/**
 * The passphrase format over bytes (crypto-js would read a string as UTF-8).
 * `options.padding: false` encrypts whole blocks as given: the tests use it
 * for a ciphertext whose padding is wrong under the right key.
 */
function passphraseEncryptBytes(bytes, passphrase, options) {
    const words = CryptoJS.enc.Hex.parse(Buffer.from(bytes).toString("hex"));
    const settings = options && options.padding === false ? { padding: CryptoJS.pad.NoPadding } : {};
    return CryptoJS.AES.encrypt(words, passphrase, settings).toString();
}

/** Decrypts to UTF-8 text; throws where crypto-js cannot produce UTF-8 (wrong key). */
function passphraseDecrypt(ciphertext, passphrase) {
    return CryptoJS.AES.decrypt(ciphertext, passphrase).toString(CryptoJS.enc.Utf8);
}

// --- raw-key format (node:crypto) ---

/**
 * AES-CBC under the hex key. `options.iv` fixes the IV (random otherwise);
 * `options.padding: false` encrypts whole blocks as given.
 */
function rawEncrypt(plaintext, keyHex, options) {
    const key = Buffer.from(keyHex, "hex");
    const iv = (options && options.iv) || crypto.randomBytes(16);
    const cipher = crypto.createCipheriv(rawCipherName(key), key, iv);
    if (options && options.padding === false) { cipher.setAutoPadding(false); }
    const data = Buffer.concat([cipher.update(Buffer.from(plaintext)), cipher.final()]);
    return { iv, data };
}

function rawDecrypt(ivBase64, dataBase64, keyHex) {
    const key = Buffer.from(keyHex, "hex");
    const decipher = crypto.createDecipheriv(rawCipherName(key), key, Buffer.from(ivBase64, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(dataBase64, "base64")), decipher.final()]).toString("utf8");
}

/** The firmware's request body, built by string concatenation as the device builds it. */
function rawBodyText(iv, data) {
    return "{\"iv\":\"" + Buffer.from(iv).toString("base64") + "\",\"data\":\"" + Buffer.from(data).toString("base64") + "\"}";
}

// --- request bodies and replies ---

/** A data message of the later posts' endpoint: {"data":{"value":v},"SEQN":n}. */
function dataMessage(seqn, value) {
    return { data: { value: value === undefined ? 1 : value }, SEQN: seqn };
}

/** Body text of a passphrase-format request carrying `message`. */
function passphraseBody(message, key) {
    return JSON.stringify({ msg: passphraseEncrypt(envelope(message), key) });
}

/**
 * Body text of a raw-format request carrying `message`.
 * `options.dropLastChar` drops the last character of the inner base64 before
 * encryption, as builds with the 2016 release of the firmware's library do.
 */
function rawBody(message, keyHex, options) {
    let inner = envelope(message);
    if (options && options.dropLastChar) { inner = inner.slice(0, -1); }
    const sealed = rawEncrypt(inner, keyHex, options);
    return rawBodyText(sealed.iv, sealed.data);
}

/** A request body in either format: "passphrase" or "raw". */
function body(format, message, key, options) {
    return format === "raw" ? rawBody(message, key, options) : passphraseBody(message, key);
}

/**
 * Opens a reply from the backend: the passphrase format is the bare
 * ciphertext text, the raw format a JSON object {iv, data}.
 */
function openReply(text, key) {
    if (text.trim().startsWith("{")) {
        const sealed = JSON.parse(text);
        return { format: "raw", message: openEnvelope(rawDecrypt(sealed.iv, sealed.data, key)) };
    }
    return { format: "passphrase", message: openEnvelope(passphraseDecrypt(text, key)) };
}

module.exports = {
    dataMessage,
    envelope,
    openEnvelope,
    passphraseEncrypt,
    passphraseEncryptBytes,
    passphraseDecrypt,
    rawEncrypt,
    rawDecrypt,
    rawBodyText,
    passphraseBody,
    rawBody,
    body,
    openReply
};
