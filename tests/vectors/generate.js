#!/usr/bin/env node
// Regenerates the JSON test vectors in this folder:
//
//     node tests/vectors/generate.js
//
// Needs the openssl CLI (3.x), crypto-js 4.2.0 (a devDependency) and Node's
// crypto module. The Rust and JavaScript tests read the committed JSON files,
// never this script, so a change in any of these tools shows up as a diff in
// the vectors rather than as a silently moving target.
//
// Every vector is produced by a tool other than wsn_crypto and checked by a
// second tool before it is written: openssl output is decrypted by CryptoJS
// and by openssl itself, CryptoJS output by openssl, node:crypto output by
// openssl. Every vector records the exact command or snippet that made it.
"use strict";

const childProcess = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const assert = require("node:assert");
const CryptoJS = require("crypto-js");

const HERE = __dirname;
const CRYPTO_JS_VERSION = require("crypto-js/package.json").version;
const OPENSSL_VERSION = openssl(["version"], "").toString().trim();

// The device key and POST body of the article "ESP8266 – Logging data in a backend with end to end encryption".
const ARTICLE_KEY = "2B7E151628AED2A6ABF7158809CF4F3C";
const ARTICLE_MSG = "U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp";

// AES keys of NIST SP 800-38A, appendix F.2 (CBC), and its four-block plaintext.
const SP800_38A = {
    key128: "2B7E151628AED2A6ABF7158809CF4F3C",
    key192: "8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B",
    key256: "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4",
    iv: "000102030405060708090A0B0C0D0E0F",
    plaintext:
        "6BC1BEE22E409F96E93D7E117393172A" + "AE2D8A571E03AC9C9EB76FAC45AF8E51" +
        "30C81C46A35CE411E5FBC1191A0A52EF" + "F69F2445DF4F9B17AD2B417BE66C3710",
    // F.2.1, F.2.3, F.2.5: the ciphertext blocks the standard prints.
    ciphertext: {
        128: "7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2" +
            "73BED6B8E3C1743B7116E69E222295163FF1CAA1681FAC09120ECA307586E1A7",
        192: "4F021DB243BC633D7178183A9FA071E8B4D9ADA9AD7DEDF4E5E738763F69145A" +
            "571B242012FB7AE07FA9BAAC3DF102E008B0E27988598881D920A9E64F5615CD",
        256: "F58C4C04D6E5F1BA779EABFB5F7BFBD69CFC4E967EDB808D679F777BC6702C7D" +
            "39F23369A9D9BACFA530E26304231461B2EB05E2C39BE9FCDA6C19078C6A9D1B",
    },
};

function openssl(args, input) {
    return childProcess.execFileSync("openssl", args, {
        input,
        stdio: ["pipe", "pipe", "pipe"], // openssl warns about MD5 key derivation on stderr
    });
}

function shellQuote(text) {
    return "'" + String(text).replace(/'/g, "'\\''") + "'";
}

function plaintextBytes(vector) {
    return vector.plaintext_hex !== undefined
        ? Buffer.from(vector.plaintext_hex, "hex")
        : Buffer.from(vector.plaintext, "utf8");
}

function stdinNote(vector) {
    return vector.plaintext_hex !== undefined
        ? `xxd -r -p <<< ${vector.plaintext_hex.toLowerCase()}`
        : `printf '%s' ${shellQuote(vector.plaintext)}`;
}

function wordArray(bytes) {
    return CryptoJS.enc.Hex.parse(Buffer.from(bytes).toString("hex"));
}

function writeJson(name, content) {
    fs.writeFileSync(path.join(HERE, name), JSON.stringify(content, null, 2) + "\n");
    console.log(`wrote tests/vectors/${name} (${content.vectors.length} vectors)`);
}

// --- openssl enc, passphrase format -------------------------------------

function opensslPassphraseVector(spec) {
    const plain = plaintextBytes(spec);
    const encryptArgs = ["enc", "-aes-256-cbc", "-md", "md5", "-a", "-S", spec.salt_hex, "-pass", "pass:" + spec.passphrase];
    // OpenSSL 3 leaves out the "Salted__" + salt header when the salt is given
    // with -S (1.1.1 wrote it); the wire format needs it, so it is put back and
    // the whole re-encoded by `openssl base64`, which wraps lines as `enc -a` does.
    const headerless = openssl(encryptArgs, plain).toString();
    const framed = Buffer.concat([
        Buffer.from("Salted__"),
        Buffer.from(spec.salt_hex, "hex"),
        Buffer.from(headerless, "base64"),
    ]);
    const ciphertext = openssl(["base64"], framed).toString();
    const printed = openssl(["enc", "-aes-256-cbc", "-md", "md5", "-P", "-S", spec.salt_hex, "-pass", "pass:" + spec.passphrase], "")
        .toString();
    const key = /^key=([0-9A-F]+)$/m.exec(printed)[1];
    const iv = /^iv =([0-9A-F]+)$/m.exec(printed)[1];

    // Second opinions: openssl reads the framed text back (salt from the
    // header), and CryptoJS decrypts it.
    const back = openssl(["enc", "-d", "-aes-256-cbc", "-md", "md5", "-a", "-pass", "pass:" + spec.passphrase], ciphertext);
    assert.deepStrictEqual(back, plain, spec.name);
    const viaCryptoJs = CryptoJS.AES.decrypt(ciphertext.replace(/\s/g, ""), spec.passphrase);
    assert.strictEqual(viaCryptoJs.toString(CryptoJS.enc.Hex), plain.toString("hex"), spec.name);

    const command = `${stdinNote(spec)} | openssl enc -aes-256-cbc -md md5 -a -S ${spec.salt_hex} -pass pass:${shellQuote(spec.passphrase)}`;
    return {
        name: spec.name,
        passphrase: spec.passphrase,
        salt_hex: spec.salt_hex,
        ...(spec.plaintext_hex !== undefined ? { plaintext_hex: spec.plaintext_hex } : { plaintext: spec.plaintext }),
        key_hex: key,
        iv_hex: iv,
        openssl_output: headerless,
        ciphertext,
        made_with: [
            command + "   # -> openssl_output (OpenSSL 3: no header when -S is given)",
            `(printf 'Salted__'; xxd -r -p <<< ${spec.salt_hex.toLowerCase()}; openssl base64 -d <<< "$openssl_output") | openssl base64   # -> ciphertext`,
            `openssl enc -aes-256-cbc -md md5 -P -S ${spec.salt_hex} -pass pass:${shellQuote(spec.passphrase)}   # -> key_hex, iv_hex`,
        ],
    };
}

// Made once by openssl with a salt it chose itself, so the header and the
// line breaks are openssl's own; kept verbatim on regeneration (a new run
// would draw a new salt) and only re-verified.
function frozenOpensslVectors(previous) {
    const specs = [
        { name: "openssl picks the salt, one line", passphrase: "secret", plaintext: "hello from openssl" },
        {
            name: "openssl picks the salt, wrapped lines",
            passphrase: ARTICLE_KEY,
            plaintext: Buffer.from("{\"data\":{\"value\":300},\"SEQN\":1,\"note\":\"long enough for openssl to wrap its base64 output\"}").toString("base64"),
        },
    ];
    return specs.map(function (spec) {
        const kept = (previous || []).find(function (v) { return v.name === spec.name; });
        let ciphertext = kept && kept.ciphertext;
        if (!ciphertext) {
            ciphertext = openssl(["enc", "-aes-256-cbc", "-md", "md5", "-a", "-pass", "pass:" + spec.passphrase], spec.plaintext).toString();
        }
        const back = openssl(["enc", "-d", "-aes-256-cbc", "-md", "md5", "-a", "-pass", "pass:" + spec.passphrase], ciphertext);
        assert.strictEqual(back.toString(), spec.plaintext, spec.name);
        const salt = Buffer.from(ciphertext, "base64").subarray(8, 16).toString("hex").toUpperCase();
        return {
            name: spec.name,
            passphrase: spec.passphrase,
            salt_hex: salt,
            plaintext: spec.plaintext,
            ciphertext,
            made_with: [
                `printf '%s' ${shellQuote(spec.plaintext)} | openssl enc -aes-256-cbc -md md5 -a -pass pass:${shellQuote(spec.passphrase)}   # random salt; kept verbatim`,
            ],
        };
    });
}

function opensslFile(previous) {
    const multiLine = JSON.stringify({
        data: { temperature: 21.5, humidity: 48, pressure: 1013.2, battery: 3.71 },
        device: "12FA",
        SEQN: 4242,
        note: "a plaintext long enough for openssl to break its base64 output into 64-character lines",
    });
    const specs = [
        { name: "short ASCII", passphrase: "secret", salt_hex: "0102030405060708", plaintext: "hello" },
        { name: "empty plaintext", passphrase: "secret", salt_hex: "0102030405060708", plaintext: "" },
        { name: "one block exactly (16 bytes)", passphrase: "secret", salt_hex: "A0A1A2A3A4A5A6A7", plaintext: "0123456789abcdef" },
        { name: "two blocks exactly (32 bytes)", passphrase: "secret", salt_hex: "A0A1A2A3A4A5A6A7", plaintext: "0123456789abcdef0123456789ABCDEF" },
        { name: "15 bytes", passphrase: "secret", salt_hex: "1111111111111111", plaintext: "fifteen bytes!!" },
        { name: "17 bytes", passphrase: "secret", salt_hex: "2222222222222222", plaintext: "seventeen bytes!!" },
        { name: "multi-line base64 (JSON, > 64 chars)", passphrase: ARTICLE_KEY, salt_hex: "DEADBEEFCAFEBABE", plaintext: multiLine },
        {
            name: "the article plaintext with the device key as passphrase",
            passphrase: ARTICLE_KEY,
            salt_hex: "0011223344556677",
            plaintext: Buffer.from("{\"SEQN\":120}").toString("base64"),
        },
        { name: "non-ASCII passphrase", passphrase: "pässwörd-秘密-🔑", salt_hex: "F0E1D2C3B4A59687", plaintext: "attack at dawn" },
        { name: "non-ASCII plaintext and passphrase", passphrase: "Ключ ✓", salt_hex: "0F1E2D3C4B5A6978", plaintext: "Grüße, 世界 🌍" },
        { name: "one-character passphrase", passphrase: "x", salt_hex: "0000000000000000", plaintext: "zero salt" },
        { name: "100-character passphrase", passphrase: "p".repeat(50) + "Q".repeat(50), salt_hex: "FFFFFFFFFFFFFFFF", plaintext: "long passphrase" },
        {
            name: "binary plaintext 00..FF (not UTF-8, multi-line)",
            passphrase: "binary",
            salt_hex: "5A5A5A5A5A5A5A5A",
            plaintext_hex: Buffer.from(Array.from({ length: 256 }, function (_, i) { return i; })).toString("hex").toUpperCase(),
        },
    ];
    return {
        description: "Passphrase format (CryptoJS.AES / `openssl enc -aes-256-cbc -md md5 -a`) vectors made by the openssl CLI.",
        how: [
            "Plaintext is fed on stdin without a trailing newline; passphrases are UTF-8 as the shell passes them.",
            "With -S, OpenSSL 3 writes only the ciphertext (openssl_output); ciphertext is the wire form base64(\"Salted__\" + salt + that ciphertext), line-wrapped by `openssl base64` exactly as `enc -a` wraps (64 characters, trailing newline).",
            "key_hex/iv_hex are what `openssl enc -P` prints for the same passphrase and salt (EVP_BytesToKey, MD5, one round).",
            "Each ciphertext was decrypted back by `openssl enc -d -aes-256-cbc -md md5 -a -pass pass:...` (salt read from the header) and by CryptoJS before being written.",
            "frozen: openssl chose the salt; kept verbatim across regenerations.",
        ],
        generator: "tests/vectors/generate.js",
        tools: { openssl: OPENSSL_VERSION },
        vectors: specs.map(opensslPassphraseVector),
        frozen: frozenOpensslVectors(previous && previous.frozen),
    };
}

// --- CryptoJS, passphrase format ----------------------------------------

function cryptoJsPassphraseVector(spec) {
    const salt = CryptoJS.enc.Hex.parse(spec.salt_hex);
    const derived = CryptoJS.kdf.OpenSSL.execute(spec.passphrase, 256 / 32, 128 / 32, salt);
    const encrypted = CryptoJS.AES.encrypt(spec.plaintext, derived.key, { iv: derived.iv });
    const ciphertext = CryptoJS.format.OpenSSL.stringify(CryptoJS.lib.CipherParams.create({ ciphertext: encrypted.ciphertext, salt }));

    // The same through the password API with cfg.salt, and openssl reading it back.
    assert.strictEqual(CryptoJS.AES.encrypt(spec.plaintext, spec.passphrase, { salt }).toString(), ciphertext, spec.name);
    const back = openssl(["enc", "-d", "-aes-256-cbc", "-md", "md5", "-a", "-A", "-pass", "pass:" + spec.passphrase], ciphertext);
    assert.strictEqual(back.toString("utf8"), spec.plaintext, spec.name);
    if (spec.expect_ciphertext) {
        assert.strictEqual(ciphertext, spec.expect_ciphertext, spec.name);
    }
    return {
        name: spec.name,
        passphrase: spec.passphrase,
        salt_hex: spec.salt_hex,
        plaintext: spec.plaintext,
        key_hex: derived.key.toString(CryptoJS.enc.Hex).toUpperCase(),
        iv_hex: derived.iv.toString(CryptoJS.enc.Hex).toUpperCase(),
        ciphertext,
    };
}

function cryptoJsFile() {
    const longText = Array.from({ length: 40 }, function (_, i) {
        return `line ${i}: the quick brown fox jumps over the lazy dog; `;
    }).join("");
    const specs = [
        {
            name: "the article's vector, re-made from its salt",
            passphrase: ARTICLE_KEY,
            salt_hex: Buffer.from(ARTICLE_MSG, "base64").subarray(8, 16).toString("hex").toUpperCase(),
            plaintext: "eyJTRVFOIjoxMjB9",
            expect_ciphertext: ARTICLE_MSG,
        },
        { name: "short ASCII", passphrase: "secret", salt_hex: "0001020304050607", plaintext: "hello" },
        { name: "empty plaintext", passphrase: "secret", salt_hex: "0001020304050607", plaintext: "" },
        { name: "empty passphrase", passphrase: "", salt_hex: "0706050403020100", plaintext: "CryptoJS accepts an empty passphrase" },
        { name: "one block exactly", passphrase: "secret", salt_hex: "1020304050607080", plaintext: "ABCDEFGHIJKLMNOP" },
        { name: "three blocks exactly", passphrase: "secret", salt_hex: "1020304050607080", plaintext: "ABCDEFGHIJKLMNOP".repeat(3) },
        { name: "emoji and non-ASCII", passphrase: "ключ-🔑-鍵", salt_hex: "C0FFEEC0FFEEC0FF", plaintext: "🔐 Grüße aus Köln — 世界 ✓ 🚀" },
        { name: "64-character passphrase", passphrase: "0123456789abcdef".repeat(4), salt_hex: "8899AABBCCDDEEFF", plaintext: "sixty-four" },
        { name: "200-character passphrase (longer than an MD5 block)", passphrase: "abcdefghij".repeat(20), salt_hex: "0102030405060708", plaintext: "long key" },
        { name: `long plaintext (${Buffer.byteLength(longText)} bytes)`, passphrase: "secret", salt_hex: "7766554433221100", plaintext: longText },
        {
            name: "envelope: base64 of {\"data\":{\"value\":300},\"SEQN\":1}",
            passphrase: ARTICLE_KEY,
            salt_hex: "3132333435363738",
            plaintext: Buffer.from("{\"data\":{\"value\":300},\"SEQN\":1}").toString("base64"),
        },
    ];
    return {
        description: "Passphrase format vectors made by CryptoJS.AES with a fixed salt.",
        how: [
            `crypto-js ${CRYPTO_JS_VERSION} on Node ${process.version}; the plaintext string is UTF-8-encoded by CryptoJS (string input), so is the passphrase.`,
            "const salt = CryptoJS.enc.Hex.parse(salt_hex);",
            "const derived = CryptoJS.kdf.OpenSSL.execute(passphrase, 256 / 32, 128 / 32, salt);   // -> key_hex, iv_hex",
            "const encrypted = CryptoJS.AES.encrypt(plaintext, derived.key, { iv: derived.iv });",
            "ciphertext = CryptoJS.format.OpenSSL.stringify(CryptoJS.lib.CipherParams.create({ ciphertext: encrypted.ciphertext, salt }));",
            "Checked: equal to CryptoJS.AES.encrypt(plaintext, passphrase, { salt }).toString(), and decrypted back by `openssl enc -d -aes-256-cbc -md md5 -a -A -pass pass:<passphrase>`.",
            "The first vector uses the salt inside the article's ciphertext and reproduces that ciphertext exactly.",
        ],
        generator: "tests/vectors/generate.js",
        tools: { "crypto-js": CRYPTO_JS_VERSION, node: process.version, openssl: OPENSSL_VERSION },
        vectors: specs.map(cryptoJsPassphraseVector),
    };
}

// --- node:crypto, raw key format -----------------------------------------

function rawVector(spec) {
    const algorithm = `aes-${spec.key_hex.length * 4}-cbc`;
    const cipher = crypto.createCipheriv(algorithm, Buffer.from(spec.key_hex, "hex"), Buffer.from(spec.iv_hex, "hex"));
    const data = Buffer.concat([cipher.update(plaintextBytes(spec)), cipher.final()]);
    const viaOpenssl = openssl(["enc", "-" + algorithm, "-K", spec.key_hex, "-iv", spec.iv_hex, "-a", "-A"], plaintextBytes(spec));
    assert.strictEqual(viaOpenssl.toString().trim(), data.toString("base64"), spec.name);
    if (spec.expect_prefix_hex) {
        assert.strictEqual(data.subarray(0, spec.expect_prefix_hex.length / 2).toString("hex").toUpperCase(), spec.expect_prefix_hex, spec.name);
    }
    return {
        name: spec.name,
        key_hex: spec.key_hex,
        iv_hex: spec.iv_hex,
        iv: Buffer.from(spec.iv_hex, "hex").toString("base64"),
        ...(spec.plaintext_hex !== undefined ? { plaintext_hex: spec.plaintext_hex } : { plaintext: spec.plaintext }),
        ...(spec.message !== undefined ? { message: spec.message } : {}),
        data: data.toString("base64"),
        made_with: `crypto.createCipheriv('${algorithm}', Buffer.from(key_hex, 'hex'), Buffer.from(iv_hex, 'hex'))` +
            `; data = Buffer.concat([c.update(${spec.plaintext_hex !== undefined ? "Buffer.from(plaintext_hex, 'hex')" : "plaintext, 'utf8'"}), c.final()]).toString('base64')` +
            `   # checked: openssl enc -${algorithm} -K ${spec.key_hex} -iv ${spec.iv_hex} -a -A`,
    };
}

function rawFile() {
    const b64 = function (json) { return Buffer.from(json).toString("base64"); };
    const specs = [];
    for (const bits of [128, 192, 256]) {
        const key = SP800_38A["key" + bits];
        specs.push({
            name: `AES-${bits}: SP 800-38A F.2 plaintext (first 64 bytes are the standard's ciphertext, then a padding block)`,
            key_hex: key, iv_hex: SP800_38A.iv, plaintext_hex: SP800_38A.plaintext, expect_prefix_hex: SP800_38A.ciphertext[bits],
        });
        specs.push({
            name: `AES-${bits}: device message {"data":{"value":300},"SEQN":1}`,
            key_hex: key, iv_hex: "00112233445566778899AABBCCDDEEFF",
            plaintext: b64("{\"data\":{\"value\":300},\"SEQN\":1}"), message: { data: { value: 300 }, SEQN: 1 },
        });
        specs.push({
            name: `AES-${bits}: block-aligned plaintext base64 of {"SEQN":120} (16 bytes, full padding block)`,
            key_hex: key.toLowerCase(), iv_hex: "F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF",
            plaintext: b64("{\"SEQN\":120}"), message: { SEQN: 120 },
        });
        specs.push({
            name: `AES-${bits}: empty plaintext`,
            key_hex: key, iv_hex: "0F0E0D0C0B0A09080706050403020100", plaintext: "",
        });
    }
    specs.push({
        name: "AES-128: the firmware example message",
        key_hex: ARTICLE_KEY, iv_hex: "A1B2C3D4E5F60718293A4B5C6D7E8F90",
        plaintext: b64("{\"data\":{\"value\":-40}, \"SEQN\":4 , \"msg\":\"IT WORKS!!\" }"),
        message: { data: { value: -40 }, SEQN: 4, msg: "IT WORKS!!" },
    });
    return {
        description: "Raw-key format vectors (AES-128/192/256-CBC, PKCS#7, explicit IV) made by node:crypto.",
        how: [
            `Node ${process.version} (node:crypto, OpenSSL ${process.versions.openssl}); each checked against the openssl CLI with -K/-iv.`,
            "iv and data are base64 as the device sends them in {\"iv\":...,\"data\":...}; plaintext is base64 of the JSON message where there is one.",
            "Keys are those of NIST SP 800-38A F.2 (one in lower case, as the Devices table may store it); the generator checks that the first four blocks of the F.2 vectors equal the ciphertext printed in the standard.",
        ],
        generator: "tests/vectors/generate.js",
        tools: { node: process.version, openssl: OPENSSL_VERSION },
        vectors: specs.map(rawVector),
    };
}

// --- envelope -------------------------------------------------------------

function cryptoJsWithSalt(plaintext, passphrase, saltHex) {
    return CryptoJS.AES.encrypt(plaintext, passphrase, { salt: CryptoJS.enc.Hex.parse(saltHex) }).toString();
}

function nodeRaw(plaintext, keyHex, ivHex) {
    const algorithm = `aes-${keyHex.length * 4}-cbc`;
    const cipher = crypto.createCipheriv(algorithm, Buffer.from(keyHex, "hex"), Buffer.from(ivHex, "hex"));
    return { iv: Buffer.from(ivHex, "hex").toString("base64"), data: Buffer.concat([cipher.update(plaintext), cipher.final()]).toString("base64") };
}

function envelopeFile() {
    const key = ARTICLE_KEY;
    const b64 = function (json) { return Buffer.from(json).toString("base64"); };
    const passphraseSnippet = function (inner, salt) {
        return `CryptoJS.AES.encrypt(${JSON.stringify(inner)}, key, { salt: CryptoJS.enc.Hex.parse('${salt}') }).toString()`;
    };
    const rawSnippet = function (inner, iv) {
        return `c = crypto.createCipheriv('aes-128-cbc', Buffer.from(key, 'hex'), Buffer.from('${iv}', 'hex')); ` +
            `{ iv: <that IV in base64>, data: Buffer.concat([c.update(${JSON.stringify(inner)}), c.final()]).toString('base64') }`;
    };
    const passphraseBody = function (inner, salt) { return { msg: cryptoJsWithSalt(inner, key, salt) }; };

    const arduinoPadded = "{\"data\":{\"value\":300},\"SEQN\":1}"; // base64 ends in "=="
    const arduinoOnePad = "{\"data\":{\"value\":300},\"SEQN\":10}"; // base64 ends in "="
    const arduinoUnpadded = "{\"data\":{\"value\":-40}, \"SEQN\":4 , \"msg\":\"IT WORKS!!\" }"; // no "="
    assert(b64(arduinoPadded).endsWith("==") && b64(arduinoOnePad).endsWith("0=") && !b64(arduinoUnpadded).endsWith("="));
    const iv = "000102030405060708090A0B0C0D0E0F";

    const vectors = [
        {
            name: "the article's POST body",
            key,
            body: { msg: ARTICLE_MSG },
            expect: { format: "passphrase", message: { SEQN: 120 } },
            made_with: "the article \"ESP8266 – Logging data in a backend with end to end encryption\": curl -X POST -d '{\"msg\":\"U2FsdGVk...\"}' (device key 2B7E151628AED2A6ABF7158809CF4F3C)",
        },
        {
            name: "the article's POST body as JSON text",
            key,
            body_text: JSON.stringify({ msg: ARTICLE_MSG }),
            expect: { format: "passphrase", message: { SEQN: 120 } },
            made_with: "as above, the raw request body",
        },
        {
            // A firmware that serialises a struct may write the unused fields as null.
            name: "the article's POST body with the raw format's fields null",
            key,
            body: { msg: ARTICLE_MSG, iv: null, data: null },
            expect: { format: "passphrase", message: { SEQN: 120 } },
            made_with: "by hand: the article's msg, iv and data null",
        },
        (function () {
            const inner = b64("{\"data\":{\"value\":300},\"SEQN\":1}");
            return {
                name: "passphrase format, CryptoJS: {\"data\":{\"value\":300},\"SEQN\":1}",
                key, body: passphraseBody(inner, "AABBCCDDEEFF0011"),
                expect: { format: "passphrase", message: { data: { value: 300 }, SEQN: 1 } },
                made_with: passphraseSnippet(inner, "AABBCCDDEEFF0011"),
            };
        })(),
        (function () {
            const json = JSON.stringify({ SEQN: 7, text: "Grüße 🌍", nested: { list: [1, 2.5, null, true, "x"] } });
            const inner = b64(json);
            return {
                name: "passphrase format, CryptoJS: non-ASCII strings and nested values",
                key, body: passphraseBody(inner, "0102030405060708"),
                expect: { format: "passphrase", message: JSON.parse(json) },
                made_with: passphraseSnippet(inner, "0102030405060708"),
            };
        })(),
        (function () {
            const inner = b64("{\"data\":{\"value\":300},\"SEQN\":1}");
            return {
                name: "raw format, node:crypto AES-128: {\"data\":{\"value\":300},\"SEQN\":1}",
                key, body: nodeRaw(inner, key, iv),
                expect: { format: "raw", message: { data: { value: 300 }, SEQN: 1 } },
                made_with: rawSnippet(inner, iv),
            };
        })(),
        (function () {
            const inner = b64("{\"SEQN\":9007199254740991}");
            return {
                name: "raw format, node:crypto AES-256: largest SEQN",
                key: SP800_38A.key256, body: nodeRaw(inner, SP800_38A.key256, iv),
                expect: { format: "raw", message: { SEQN: 9007199254740991 } },
                made_with: rawSnippet(inner, iv).replace("aes-128-cbc", "aes-256-cbc"),
            };
        })(),
        (function () {
            const inner = b64(arduinoPadded).slice(0, -1);
            return {
                name: "2016 Arduino library: inner base64 lost its final \"=\" of \"==\"",
                key, body: nodeRaw(inner, key, iv),
                expect: { format: "raw", message: JSON.parse(arduinoPadded) },
                made_with: rawSnippet(inner, iv) + `   # inner = base64(${arduinoPadded}) without its last character`,
            };
        })(),
        (function () {
            const inner = b64(arduinoOnePad).slice(0, -1);
            return {
                name: "2016 Arduino library: inner base64 lost its only \"=\"",
                key, body: nodeRaw(inner, key, iv),
                expect: { format: "raw", message: JSON.parse(arduinoOnePad) },
                made_with: rawSnippet(inner, iv) + `   # inner = base64(${arduinoOnePad}) without its last character`,
            };
        })(),
        (function () {
            const inner = b64(arduinoPadded).slice(0, -1);
            return {
                name: "2016 Arduino library style, passphrase format: inner base64 lost its final \"=\"",
                key, body: passphraseBody(inner, "1122334455667788"),
                expect: { format: "passphrase", message: JSON.parse(arduinoPadded) },
                made_with: passphraseSnippet(inner, "1122334455667788"),
            };
        })(),
        (function () {
            const inner = b64(arduinoUnpadded).slice(0, -1);
            return {
                name: "2016 Arduino library: inner base64 lost a data character (not recoverable)",
                key, body: nodeRaw(inner, key, iv),
                expect: { error: "cannot_decrypt" },
                made_with: rawSnippet(inner, iv) + `   # inner = base64(${arduinoUnpadded}) without its last character`,
            };
        })(),
        {
            name: "wrong key (passphrase format)",
            key: "not the device key",
            body: { msg: ARTICLE_MSG },
            expect: { error: "cannot_decrypt" },
            made_with: "the article's body opened with another passphrase",
        },
        (function () {
            const inner = b64("{\"SEQN\":1}");
            return {
                name: "wrong key (raw format)",
                key: SP800_38A.key128.replace(/^2B/, "2C"),
                body: nodeRaw(inner, key, iv),
                expect: { error: "cannot_decrypt" },
                made_with: rawSnippet(inner, iv) + "   # opened with the key changed in its first byte",
            };
        })(),
        (function () {
            const inner = "this is not base64!";
            return {
                name: "inner text is not base64", key, body: passphraseBody(inner, "0102030405060708"),
                expect: { error: "cannot_decrypt" }, made_with: passphraseSnippet(inner, "0102030405060708"),
            };
        })(),
        (function () {
            const inner = b64("SEQN=120");
            return {
                name: "inner base64 is not JSON", key, body: passphraseBody(inner, "0102030405060708"),
                expect: { error: "cannot_decrypt" }, made_with: passphraseSnippet(inner, "0102030405060708"),
            };
        })(),
        (function () {
            const inner = b64("[120]");
            return {
                name: "inner JSON is an array, not an object", key, body: passphraseBody(inner, "0102030405060708"),
                expect: { error: "cannot_decrypt" }, made_with: passphraseSnippet(inner, "0102030405060708"),
            };
        })(),
        (function () {
            const inner = b64("120");
            return {
                name: "inner JSON is a number, not an object", key, body: passphraseBody(inner, "0102030405060708"),
                expect: { error: "cannot_decrypt" }, made_with: passphraseSnippet(inner, "0102030405060708"),
            };
        })(),
        (function () {
            const inner = Buffer.from("{\"SEQN\":1,\"s\":\"ÿ\"}", "latin1").toString("base64");
            return {
                name: "inner JSON is not UTF-8", key, body: passphraseBody(inner, "0102030405060708"),
                expect: { error: "cannot_decrypt" }, made_with: passphraseSnippet(inner, "0102030405060708") + "   # inner = base64 of the latin1 bytes {\"SEQN\":1,\"s\":\"\\xff\"}",
            };
        })(),
        (function () {
            const salt = CryptoJS.enc.Hex.parse("0102030405060708");
            const plain = CryptoJS.enc.Hex.parse("fffe7b7d");
            const msg = CryptoJS.AES.encrypt(plain, key, { salt }).toString();
            return {
                name: "plaintext is not UTF-8", key, body: { msg },
                expect: { error: "cannot_decrypt" },
                made_with: "CryptoJS.AES.encrypt(CryptoJS.enc.Hex.parse('fffe7b7d'), key, { salt: CryptoJS.enc.Hex.parse('0102030405060708') }).toString()",
            };
        })(),
        { name: "empty object", key, body: {}, expect: { error: "bad_format" }, made_with: "by hand" },
        { name: "msg and iv/data together", key, body: { msg: ARTICLE_MSG, iv: "AAAAAAAAAAAAAAAAAAAAAA==", data: "AAAAAAAAAAAAAAAAAAAAAA==" }, expect: { error: "bad_format" }, made_with: "by hand" },
        { name: "iv without data", key, body: { iv: "AAAAAAAAAAAAAAAAAAAAAA==" }, expect: { error: "bad_format" }, made_with: "by hand" },
        { name: "data without iv", key, body: { data: "AAAAAAAAAAAAAAAAAAAAAA==" }, expect: { error: "bad_format" }, made_with: "by hand" },
        { name: "msg is a number", key, body: { msg: 120 }, expect: { error: "bad_format" }, made_with: "by hand" },
        { name: "body text is a JSON string", key, body_text: "\"U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp\"", expect: { error: "bad_format" }, made_with: "by hand" },
        { name: "body text is not JSON", key, body_text: "msg=U2FsdGVkX1", expect: { error: "bad_json" }, made_with: "by hand" },
        { name: "body text is truncated JSON", key, body_text: "{\"msg\":\"U2FsdGVkX1", expect: { error: "bad_json" }, made_with: "by hand" },
        { name: "msg is not base64", key, body: { msg: "U2FsdGVkX1*VRlCORJjs" }, expect: { error: "bad_base64" }, made_with: "by hand" },
        { name: "msg has no Salted__ header", key, body: { msg: Buffer.alloc(48, 7).toString("base64") }, expect: { error: "bad_format" }, made_with: "by hand: 48 bytes of 0x07" },
        {
            name: "msg is shorter than header + salt + one block", key,
            body: { msg: Buffer.from(ARTICLE_MSG, "base64").subarray(0, 31).toString("base64") },
            expect: { error: "bad_format" }, made_with: "the article's ciphertext cut to 31 bytes",
        },
        {
            name: "msg ciphertext is not a whole number of blocks", key,
            body: { msg: Buffer.from(ARTICLE_MSG, "base64").subarray(0, 40).toString("base64") },
            expect: { error: "bad_format" }, made_with: "the article's ciphertext cut to 40 bytes",
        },
        { name: "raw IV of 12 bytes", key, body: { iv: Buffer.alloc(12).toString("base64"), data: Buffer.alloc(16).toString("base64") }, expect: { error: "bad_format" }, made_with: "by hand" },
        { name: "raw data of 20 bytes", key, body: { iv: Buffer.alloc(16).toString("base64"), data: Buffer.alloc(20).toString("base64") }, expect: { error: "bad_format" }, made_with: "by hand" },
        { name: "raw data empty", key, body: { iv: Buffer.alloc(16).toString("base64"), data: "" }, expect: { error: "bad_format" }, made_with: "by hand" },
        { name: "raw IV not base64", key, body: { iv: "!!!!", data: Buffer.alloc(16).toString("base64") }, expect: { error: "bad_base64" }, made_with: "by hand" },
        { name: "raw key of 31 hex digits", key: key.slice(0, 31), body: nodeRaw(b64("{\"SEQN\":1}"), key, iv), expect: { error: "bad_key" }, made_with: "by hand" },
        { name: "raw key with a non-hex digit", key: key.slice(0, 31) + "G", body: nodeRaw(b64("{\"SEQN\":1}"), key, iv), expect: { error: "bad_key" }, made_with: "by hand" },
        { name: "raw key that is a passphrase", key: "secret", body: nodeRaw(b64("{\"SEQN\":1}"), key, iv), expect: { error: "bad_key" }, made_with: "by hand" },
        { name: "empty passphrase", key: "", body: { msg: ARTICLE_MSG }, expect: { error: "bad_key" }, made_with: "by hand" },
    ];
    return {
        description: "Request bodies and what opening them with the device key gives: {format, message} or an error code.",
        how: [
            `Passphrase bodies: CryptoJS ${CRYPTO_JS_VERSION} (fixed salt, see made_with) over base64 of the JSON text, as the original flows and the article's client do.`,
            `Raw bodies: node:crypto ${process.version} createCipheriv, AES-CBC-PKCS#7, as the ESP8266 firmware (spaniakos/AES) sends them.`,
            "The 2016 release of the Arduino library drops the last base64 character of the plaintext; when that character was \"=\" padding the message still opens, when it was data it cannot.",
            "Each body is given either as an object (body) or as the raw request text (body_text).",
        ],
        generator: "tests/vectors/generate.js",
        tools: { "crypto-js": CRYPTO_JS_VERSION, node: process.version },
        vectors,
    };
}

function readPrevious(name) {
    try {
        return JSON.parse(fs.readFileSync(path.join(HERE, name), "utf8"));
    } catch (err) {
        return undefined;
    }
}

function main() {
    writeJson("passphrase-openssl.json", opensslFile(readPrevious("passphrase-openssl.json")));
    writeJson("passphrase-cryptojs.json", cryptoJsFile());
    writeJson("raw-cbc.json", rawFile());
    writeJson("envelope.json", envelopeFile());
}

main();
