#!/usr/bin/env node
// Micro-benchmark of the message envelope (issue 5, part 1): this package's
// wasm API against crypto-js 4.2 (what the original flows use) and node:crypto
// (OpenSSL, the practical upper bound in Node), in one process.
//
// The unit is the envelope as the backend does it: JSON text -> base64 ->
// encrypt, and decrypt -> base64 decode -> JSON.parse. Both JavaScript
// variants use Buffer for UTF-8 and base64, so they differ from each other
// only in the cipher. Every implementation must open every other one's output
// before anything is timed.
//
// The authenticated format (auth v2, README section The authenticated format) has no inner base64:
// JSON text -> AES-128-CBC -> HMAC-SHA256 tag over the header (version, kind,
// SEQN), the device id and the ciphertext, both keys derived from the device
// key on every call. Its rows time a device's data message: sealed as kind
// data (the SEQN in the header), and taken as the backend does, with
// openRequest (formats, tag, kind, SEQN and the sequence rule in one call).
// The message is the payload in the firmware's layout {"data":{...},"SEQN":n}.
// node:crypto is the reference implementation the tests use
// (tests/js/helpers/auth-reference.js); crypto-js has no such format, so it
// is built here from CryptoJS.HmacSHA256 and CryptoJS.AES, framing in Buffer.
//
// Prints ops/s medians, the ratios wasm/crypto-js and wasm/node:crypto, the
// .wasm size, the module load time and the wasm memory before and after
// 1,000,000 operations. Exits non-zero only if interoperability fails or the
// wasm memory grows beyond MEMORY_BOUND; timings are never asserted.
//
// Usage: node bench/micro.js [--quick] [--pkg DIR]   (npm run bench)
'use strict';

const assert = require('node:assert');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { execFileSync } = require('node:child_process');

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const PKG = path.resolve(args.includes('--pkg') ? args[args.indexOf('--pkg') + 1] : path.join(__dirname, '..', 'pkg'));
const ROUNDS = QUICK ? 3 : 7;
const ROUND_MS = QUICK ? 60 : 150;
const MEMORY_OPS = QUICK ? 100_000 : 1_000_000;
// Rust's wasm32 start-up memory is 17 pages (1 MiB stack + data); the heap
// needs a few pages more for a 4 KiB message. Anything beyond this is a leak.
const MEMORY_BOUND = 4 * 1024 * 1024;

// --- the wasm package, with its memory reachable -----------------------------
// The generated glue keeps `wasm` (the instance exports, memory included) in a
// module-local variable. Catch the instance as the glue creates it.
function loadWasmPackage() {
  const RealInstance = WebAssembly.Instance;
  let instance = null;
  WebAssembly.Instance = function Instance(module, imports) {
    instance = new RealInstance(module, imports);
    return instance;
  };
  WebAssembly.Instance.prototype = RealInstance.prototype;
  try {
    const started = process.hrtime.bigint();
    const api = require(path.join(PKG, 'wsn_crypto.js'));
    const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert(instance && instance.exports.memory instanceof WebAssembly.Memory, 'wasm memory not found');
    return { api, memory: instance.exports.memory, loadMs };
  } finally {
    WebAssembly.Instance = RealInstance;
  }
}

const { api: wasm, memory, loadMs } = loadWasmPackage();
const CryptoJS = require('crypto-js');
const authReference = require(path.join(__dirname, '..', 'tests', 'js', 'helpers', 'auth-reference.js'));

// --- the three implementations -------------------------------------------------
const PASSPHRASE = 'correct horse battery staple';
const KEY_HEX = '2B7E151628AED2A6ABF7158809CF4F3C'; // the article's device key (AES-128 raw)
const SALTED = Buffer.from('Salted__');
const DEVICE_ID = '12FA'; // the article's device; the auth tag covers it
const AUTH_VERSION = 0x02;
const AUTH_DATA = 0x44; // 'D': the kind byte of a device's data message
const AUTH_HEADER = 10; // version | kind | SEQN (8 bytes, big-endian)
// What the backend's wsn decrypt node passes: the device's row allows auth, nothing is stored yet.
const AUTH_TAKE = { endpoint: 'data', deviceId: DEVICE_ID, formats: 'auth' };

// The envelope (JSON text in base64) as the tests' device helper makes and opens it.
const { envelope: jsonToBase64, openEnvelope: base64ToJson } = require(path.join(__dirname, '..', 'tests', 'js', 'helpers', 'device.js'));

// OpenSSL's EVP_BytesToKey, MD5, one round: 32-byte key + 16-byte IV.
function evpBytesToKey(passphrase, salt) {
  const pass = Buffer.from(passphrase, 'utf8');
  const d1 = crypto.createHash('md5').update(pass).update(salt).digest();
  const d2 = crypto.createHash('md5').update(d1).update(pass).update(salt).digest();
  const d3 = crypto.createHash('md5').update(d2).update(pass).update(salt).digest();
  return { key: Buffer.concat([d1, d2]), iv: d3 };
}

// auth v2 with crypto-js: WordArrays to and from Buffer, for the framing.
function wordArrayOf(bytes) {
  const words = new Array((bytes.length + 3) >>> 2).fill(0);
  for (let i = 0; i < bytes.length; i++) words[i >>> 2] |= bytes[i] << (24 - (i % 4) * 8);
  return CryptoJS.lib.WordArray.create(words, bytes.length);
}
function bufferOf(wordArray) {
  const bytes = Buffer.alloc(wordArray.sigBytes);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (wordArray.words[i >>> 2] >>> (24 - (i % 4) * 8)) & 0xff;
  return bytes;
}
function cryptoJsAuthKeys() {
  const device = CryptoJS.enc.Hex.parse(KEY_HEX);
  const enc = CryptoJS.HmacSHA256('wsn-crypto v2 encryption', device);
  return {
    enc: CryptoJS.lib.WordArray.create(enc.words.slice(0, 4), 16),
    mac: CryptoJS.HmacSHA256('wsn-crypto v2 authentication', device),
  };
}
function authHeader(seqn) {
  const header = Buffer.alloc(AUTH_HEADER);
  header[0] = AUTH_VERSION;
  header[1] = AUTH_DATA;
  header.writeBigUInt64BE(BigInt(seqn), 2);
  return header;
}
// A request's tag: no request tag bound in (a reply's would follow the id).
function cryptoJsAuthTag(mac, header, ivAndCiphertext) {
  const id = Buffer.from(DEVICE_ID, 'utf8');
  const signed = Buffer.concat([header, Buffer.from([id.length]), id, ivAndCiphertext]);
  return bufferOf(CryptoJS.HmacSHA256(wordArrayOf(signed), mac)).subarray(0, 16);
}

// Keys at rest (issue 15): the same calls with the key as the database holds
// it, wrapped under a KEK (demo value), unwrapped inside each call.
const KEK = 'demo:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const WRAPPED_PASSPHRASE = wasm.wrapKey(PASSPHRASE, DEVICE_ID, KEK);
const WRAPPED_HEX = wasm.wrapKey(KEY_HEX, DEVICE_ID, KEK);
const WRAPPED = { deviceId: DEVICE_ID, kek: KEK };

const implementations = {
  wasm: {
    sealPassphrase: (message) => wasm.seal(message, PASSPHRASE),
    // Bodies cross into the wasm as their JSON text; a caller holding the
    // parsed body pays the JSON.stringify, so it is timed with the open.
    openPassphrase: (ciphertext) => wasm.open(JSON.stringify({ msg: ciphertext }), PASSPHRASE).message,
    sealRaw: (message) => wasm.seal(message, KEY_HEX, { format: 'raw' }),
    openRaw: (body) => wasm.open(JSON.stringify(body), KEY_HEX).message,
    sealAuth: (message) => wasm.seal(message, KEY_HEX, { format: 'auth', deviceId: DEVICE_ID, kind: 'data' }),
    openAuth: (body) => wasm.openRequest(JSON.stringify(body), KEY_HEX, 0, AUTH_TAKE).message,
  },
  'wasm, wrapped key': {
    sealPassphrase: (message) => wasm.seal(message, WRAPPED_PASSPHRASE, WRAPPED),
    openPassphrase: (ciphertext) => wasm.open(JSON.stringify({ msg: ciphertext }), WRAPPED_PASSPHRASE, WRAPPED).message,
    sealRaw: (message) => wasm.seal(message, WRAPPED_HEX, { ...WRAPPED, format: 'raw' }),
    openRaw: (body) => wasm.open(JSON.stringify(body), WRAPPED_HEX, WRAPPED).message,
    sealAuth: (message) => wasm.seal(message, WRAPPED_HEX, { ...WRAPPED, format: 'auth', kind: 'data' }),
    openAuth: (body) => wasm.openRequest(JSON.stringify(body), WRAPPED_HEX, 0, { ...AUTH_TAKE, kek: KEK }).message,
  },
  'crypto-js': {
    sealPassphrase: (message) => CryptoJS.AES.encrypt(jsonToBase64(message), PASSPHRASE).toString(),
    openPassphrase: (ciphertext) =>
      base64ToJson(CryptoJS.AES.decrypt(ciphertext, PASSPHRASE).toString(CryptoJS.enc.Utf8)),
    sealRaw: (message) => {
      const iv = CryptoJS.lib.WordArray.random(16);
      const data = CryptoJS.AES.encrypt(jsonToBase64(message), CryptoJS.enc.Hex.parse(KEY_HEX), { iv }).toString();
      return { iv: CryptoJS.enc.Base64.stringify(iv), data };
    },
    openRaw: (body) => {
      const iv = CryptoJS.enc.Base64.parse(body.iv);
      const plain = CryptoJS.AES.decrypt(body.data, CryptoJS.enc.Hex.parse(KEY_HEX), { iv });
      return base64ToJson(plain.toString(CryptoJS.enc.Utf8));
    },
    sealAuth: (message) => {
      const { enc, mac } = cryptoJsAuthKeys();
      const iv = CryptoJS.lib.WordArray.random(16);
      const encrypted = CryptoJS.AES.encrypt(wordArrayOf(Buffer.from(JSON.stringify(message))), enc, { iv });
      const header = authHeader(message.SEQN);
      const body = Buffer.concat([bufferOf(iv), bufferOf(encrypted.ciphertext)]);
      return { auth: Buffer.concat([header, body, cryptoJsAuthTag(mac, header, body)]).toString('base64') };
    },
    openAuth: (sealed) => {
      const bytes = Buffer.from(sealed.auth, 'base64');
      const header = bytes.subarray(0, AUTH_HEADER);
      const body = bytes.subarray(AUTH_HEADER, bytes.length - 16);
      assert(bytes[0] === AUTH_VERSION && body.length >= 32 && body.length % 16 === 0, 'not auth v2');
      const { enc, mac } = cryptoJsAuthKeys();
      const expected = cryptoJsAuthTag(mac, header, body);
      const received = bytes.subarray(bytes.length - 16);
      let difference = 0; // constant time, as the format requires
      for (let i = 0; i < 16; i++) difference |= expected[i] ^ received[i];
      assert(difference === 0, 'bad tag');
      // Only now is the header trusted.
      assert(header[1] === AUTH_DATA, 'not a data message');
      const ciphertext = CryptoJS.lib.CipherParams.create({ ciphertext: wordArrayOf(body.subarray(16)) });
      const plain = CryptoJS.AES.decrypt(ciphertext, enc, { iv: wordArrayOf(body.subarray(0, 16)) });
      const message = JSON.parse(bufferOf(plain).toString('utf8'));
      assert(message.SEQN === undefined || message.SEQN === Number(header.readBigUInt64BE(2)), 'SEQN contradicts the header');
      return message;
    },
  },
  'node:crypto': {
    sealPassphrase: (message) => {
      const salt = crypto.randomBytes(8);
      const { key, iv } = evpBytesToKey(PASSPHRASE, salt);
      const cipher = crypto.createCipheriv('aes-256-cbc', key, iv);
      const body = Buffer.concat([cipher.update(jsonToBase64(message), 'latin1'), cipher.final()]);
      return Buffer.concat([SALTED, salt, body]).toString('base64');
    },
    openPassphrase: (ciphertext) => {
      const framed = Buffer.from(ciphertext, 'base64');
      assert(framed.subarray(0, 8).equals(SALTED), 'no Salted__ header');
      const { key, iv } = evpBytesToKey(PASSPHRASE, framed.subarray(8, 16));
      const decipher = crypto.createDecipheriv('aes-256-cbc', key, iv);
      const plain = Buffer.concat([decipher.update(framed.subarray(16)), decipher.final()]);
      return base64ToJson(plain.toString('latin1'));
    },
    sealRaw: (message) => {
      const iv = crypto.randomBytes(16);
      const cipher = crypto.createCipheriv('aes-128-cbc', Buffer.from(KEY_HEX, 'hex'), iv);
      const data = Buffer.concat([cipher.update(jsonToBase64(message), 'latin1'), cipher.final()]);
      return { iv: iv.toString('base64'), data: data.toString('base64') };
    },
    openRaw: (body) => {
      const decipher = crypto.createDecipheriv('aes-128-cbc', Buffer.from(KEY_HEX, 'hex'), Buffer.from(body.iv, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(body.data, 'base64')), decipher.final()]);
      return base64ToJson(plain.toString('latin1'));
    },
    sealAuth: (message) => ({
      auth: authReference.seal({ key: KEY_HEX, deviceId: DEVICE_ID, kind: 'data', seqn: message.SEQN, plaintext: JSON.stringify(message) }).auth,
    }),
    openAuth: (body) => {
      const opened = authReference.open(body.auth, { key: KEY_HEX, deviceId: DEVICE_ID });
      assert(opened.kind === 'data', 'not a data message');
      return JSON.parse(opened.plaintext);
    },
  },
};
const NAMES = Object.keys(implementations);

// --- payloads --------------------------------------------------------------------
function padTo(message, field, bytes) {
  const length = Buffer.byteLength(JSON.stringify(message));
  return { ...message, [field]: 'x'.repeat(bytes - length - `,"${field}":""`.length) };
}
const payloads = {
  SEQN: { SEQN: 120 },
  'record ~100 B': { SEQN: 121, id: 'esp8266-07', t: 21.5, h: 48.2, p: 1013.25, v: 3.29, rssi: -67, ts: 1732500000 },
  '4 KiB': padTo({ SEQN: 122, id: 'esp8266-07' }, 'log', 4096),
};
// The payload in the firmware's layout, as a data message must be: {"data":{...},"SEQN":n}.
function asDataMessage(message) {
  const { SEQN, ...data } = message;
  return { data, SEQN };
}
const FORMATS = {
  passphrase: { seal: 'sealPassphrase', open: 'openPassphrase', message: (m) => m },
  raw: { seal: 'sealRaw', open: 'openRaw', message: (m) => m },
  auth: { seal: 'sealAuth', open: 'openAuth', message: asDataMessage },
};

// --- interoperability, before anything is timed ------------------------------------
let interopFailures = 0;
for (const [payloadName, payload] of Object.entries(payloads)) {
  for (const [formatName, format] of Object.entries(FORMATS)) {
    const message = format.message(payload);
    for (const producer of NAMES) {
      const sealed = implementations[producer][format.seal](message);
      for (const consumer of NAMES) {
        try {
          assert.deepStrictEqual(implementations[consumer][format.open](sealed), message);
        } catch (error) {
          interopFailures += 1;
          console.error(`interop FAILED: ${payloadName} ${formatName} ${producer} -> ${consumer}: ${error.message.split('\n')[0]}`);
        }
      }
    }
  }
}
const PAIRS = Object.keys(payloads).length * Object.keys(FORMATS).length * NAMES.length * NAMES.length;
if (interopFailures) {
  console.error(`${interopFailures} of ${PAIRS} interoperability checks failed; nothing timed`);
  process.exit(1);
}

// --- timing --------------------------------------------------------------------------
let sink = 0; // keeps results alive so no work is optimised away

function opsPerSecond(operation, inputs) {
  const mask = inputs.length - 1; // inputs.length is a power of two
  let ops = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(ROUND_MS * 1e6);
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < 64; i++, ops++) sink += operation(inputs[ops & mask]) ? 1 : 0;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - started) / 1e9);
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

const results = []; // {payload, format, direction, name, ops}
for (const [payloadName, payload] of Object.entries(payloads)) {
  for (const [formatName, format] of Object.entries(FORMATS)) {
    const message = format.message(payload);
    // Decryption inputs: fresh ciphertexts (distinct salts/IVs) from node:crypto,
    // which every implementation was shown to open.
    const sealedPool = Array.from({ length: 64 }, () => implementations['node:crypto'][format.seal](message));
    const messagePool = Array.from({ length: 64 }, () => message);
    for (const [direction, method, inputs] of [['encrypt', format.seal, messagePool], ['decrypt', format.open, sealedPool]]) {
      const rounds = Object.fromEntries(NAMES.map((name) => [name, []]));
      for (const name of NAMES) opsPerSecond(implementations[name][method], inputs); // warm-up, JIT tier-up
      // Interleave implementations so that drift (thermal, GC) hits all alike.
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of NAMES) rounds[name].push(opsPerSecond(implementations[name][method], inputs));
      }
      for (const name of NAMES) {
        results.push({ payload: payloadName, format: formatName, direction, name, ops: median(rounds[name]) });
      }
    }
  }
}

// --- wasm memory over many operations -----------------------------------------------
function memoryRun() {
  const before = memory.buffer.byteLength;
  // Seal and open in turn, all three formats; the 4 KiB message one time in
  // ten (it costs as much as forty short ones), and every hundredth operation
  // an error path: a wrong key, a body that is not base64, or an auth body
  // taken for another device (its tag does not hold).
  const [small, record, large] = Object.values(payloads);
  const messages = [small, record, small, record, small, record, small, record, small, large];
  const work = messages.flatMap((message) => [
    ['sealPassphrase', message], ['openPassphrase', implementations.wasm.sealPassphrase(message)],
    ['sealRaw', message], ['openRaw', implementations.wasm.sealRaw(message)],
    ['sealAuth', asDataMessage(message)], ['openAuth', implementations.wasm.sealAuth(asDataMessage(message))],
  ]);
  const wrongKey = JSON.stringify({ msg: implementations.wasm.sealPassphrase(small) });
  const notBase64 = JSON.stringify({ msg: 'U2FsdGVkX1+not+base64' });
  const authForAnother = JSON.stringify(implementations.wasm.sealAuth(asDataMessage(small)));
  const started = process.hrtime.bigint();
  let errors = 0;
  for (let i = 0; i < MEMORY_OPS; i++) {
    if (i % 100 === 99) {
      try {
        if (i % 300 === 299) wasm.openRequest(authForAnother, KEY_HEX, 0, { ...AUTH_TAKE, deviceId: 'another' });
        else wasm.open(i % 200 === 199 ? notBase64 : wrongKey, 'wrong key');
      } catch { errors += 1; }
      continue;
    }
    const [method, input] = work[i % work.length];
    const result = implementations.wasm[method](input);
    sink += typeof result === 'string' ? result.length : result.SEQN || 1;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { before, after: memory.buffer.byteLength, seconds, errors };
}
const memoryBefore = memory.buffer.byteLength;
const mem = memoryRun();

// --- module load time in fresh processes ----------------------------------------------
function freshLoadMs() {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(path.join(PKG, 'wsn_crypto.js'))});` +
    'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';
  return Array.from({ length: QUICK ? 3 : 7 }, () => Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })));
}
const loads = freshLoadMs();

// --- report ------------------------------------------------------------------------------
const wasmBytes = fs.readFileSync(path.join(PKG, 'wsn_crypto_bg.wasm'));
const fmtOps = (n) => (n >= 1e5 ? Math.round(n / 1e3) + 'k' : n >= 1e4 ? (n / 1e3).toFixed(1) + 'k' : Math.round(n).toString());
const fmtRatio = (r) => (r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)) + '×';

console.log(`# bench/micro.js — ${new Date().toISOString()}`);
console.log(`node ${process.version}, ${process.arch}, ${require('node:os').cpus().length} CPUs (${require('node:os').cpus()[0].model.trim()}), crypto-js ${require('crypto-js/package.json').version}, OpenSSL ${process.versions.openssl}`);
console.log(`${PAIRS} interoperability checks passed; medians of ${ROUNDS} rounds of ${ROUND_MS} ms\n`);
console.log('| payload | format | op | wasm ops/s | wasm, wrapped key ops/s | crypto-js ops/s | node:crypto ops/s | wasm/crypto-js | wasm/node:crypto | wrapped/plain key |');
console.log('|---|---|---|--:|--:|--:|--:|--:|--:|--:|');
for (let i = 0; i < results.length; i += NAMES.length) {
  const row = Object.fromEntries(results.slice(i, i + NAMES.length).map((r) => [r.name, r.ops]));
  const { payload, format, direction } = results[i];
  const wrapped = row['wasm, wrapped key'];
  console.log(`| ${payload} | ${format} | ${direction} | ${fmtOps(row.wasm)} | ${fmtOps(wrapped)} | ${fmtOps(row['crypto-js'])} | ${fmtOps(row['node:crypto'])} | ` +
    `${fmtRatio(row.wasm / row['crypto-js'])} | ${fmtRatio(row.wasm / row['node:crypto'])} | ${fmtRatio(wrapped / row.wasm)} |`);
}
console.log('');
console.log(`wasm size: ${wasmBytes.length} B raw, ${zlib.gzipSync(wasmBytes, { level: 9 }).length} B gzip -9`);
console.log(`module load (require, read + compile + instantiate): ${loadMs.toFixed(1)} ms in this process; ` +
  `fresh processes median ${median(loads).toFixed(1)} ms (min ${Math.min(...loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)})`);
console.log(`wasm memory: ${memoryBefore} B after loading; ${mem.before} B after the timed runs; ` +
  `${mem.after} B after ${MEMORY_OPS.toLocaleString('en')} more operations ` +
  `(${(MEMORY_OPS / mem.seconds / 1e3).toFixed(0)}k ops/s mixed, ${mem.errors} of them errors); bound ${MEMORY_BOUND} B`);
if (sink === -1) console.log(''); // use `sink`
if (mem.after > MEMORY_BOUND) {
  console.error(`wasm memory grew to ${mem.after} B, beyond the bound of ${MEMORY_BOUND} B`);
  process.exit(1);
}
