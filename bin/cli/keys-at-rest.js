"use strict";
// Device keys at rest, for the CLI: where the key-encryption key (KEK) comes
// from (--kek FILE, else WSN_KEK / WSN_KEK_FILE: node-red/lib/kek.js), the
// text a row stores (wrapped when there is a KEK), what list shows of it,
// and the two bulk changes, each ONE transaction, so that an interruption
// (even SIGKILL) leaves every row as it was: wrapping every plain key (the
// migration, wrap-keys) and rewrapping every wrapped key under a new KEK
// (rotation, rewrap). The wrapping itself is the wasm core's
// (src/keywrap.rs): a KEK or a plain key is never written to a message, an
// error or a log here.
//
// `db` is a handle from bin/cli/sqlite.js (withDatabase) or bin/cli/mysql.js
// (withMysql): run/get/all with `?` placeholders, begin/commit/rollback.

const crypto = require("crypto");
const fs = require("fs");
const { wasm: core } = require("./core.js");
// node-red/lib/kek.js, loaded when a KEK is configured: a command without one
// needs nothing of it.
const kekModule = () => require("../../node-red/lib/kek.js");
const kekLabel = (text) => kekModule().kekLabel(text);
const { CliError, usageError } = require("./errors.js");

/** How many rows a progress report covers. */
const PROGRESS_EVERY = 1000;
const WRAPPED_PREFIX = "kw1:";
// The core, loaded on first use (core.js): --help works without it built.
const wasm = {
    wrapKey: (...args) => core().wrapKey(...args),
    rewrapKey: (...args) => core().rewrapKey(...args),
    keyInfo: (...args) => core().keyInfo(...args)
};

function isWrapped(stored) {
    return typeof stored === "string" && stored.startsWith(WRAPPED_PREFIX);
}

/** A CliError with a stable code, for callers that are not the CLI (the demo). */
function codedError(code, message) {
    const error = new CliError(message);
    error.code = code;
    return error;
}

/**
 * A key file readable by others defeats keeping the KEK out of the
 * database: say so (the file is still used: refusing would break a setup
 * whose access is controlled otherwise, e.g. a container's secret mount).
 */
function looseModeWarning(file) {
    let stat;
    try { stat = fs.statSync(file); } catch (e) { return undefined; }
    if (process.platform === "win32" || (stat.mode & 0o077) === 0) { return undefined; }
    return `wsn-crypto: warning: the key file ${file} is readable by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 ${file}`;
}

/**
 * The KEK text from the key file of --<option> FILE, else (`fallback`) from
 * WSN_KEK / WSN_KEK_FILE; undefined when there is none. Checked to be a KEK
 * the core takes; messages say where it came from, never what it is.
 * `warn(text)` is told about a key file readable by others.
 */
function kekFrom(values, options) {
    const { option = "kek", fallback = true, warn } = options || {};
    const file = values[option];
    if (file === "") { throw usageError(`--${option} needs a key file`); }
    if (file === undefined && !fallback) { return undefined; }
    if (file === undefined && !process.env.WSN_KEK && !process.env.WSN_KEK_FILE) { return undefined; }
    const { readKek, DEFAULT_FILE_ENV } = kekModule();
    const fromFile = file !== undefined ? file : process.env.WSN_KEK ? undefined : process.env[DEFAULT_FILE_ENV];
    let kek;
    try {
        kek = file !== undefined ? readKek({ file }) : readKek();
    } catch (error) {
        throw new CliError(error.message);
    }
    const where = file !== undefined ? `the key file ${file} (--${option})` : fromFile ? `the key file ${fromFile} (${DEFAULT_FILE_ENV})` : "WSN_KEK";
    if (fromFile !== undefined && kek === undefined) { throw new CliError(`${where} is empty`); }
    if (kek === undefined) { return undefined; }
    checkKek(kek, where);
    if (fromFile !== undefined && warn) {
        const loose = looseModeWarning(fromFile);
        if (loose) { warn(loose); }
    }
    return kek;
}

/** Refuses a KEK text the core would refuse, naming where it came from (never its value). */
function checkKek(kek, where) {
    if (!kekModule().isKek(core(), kek)) {
        throw new CliError(`${where} does not hold a key-encryption key: it must be one line <label>:<64 hex digits>, the label 1 to 32 of A-Z a-z 0-9 . _ - (wsn-crypto new-kek makes one)`);
    }
}

/** A fresh KEK text from the OS's secure generator. */
function newKek(label) {
    if (!kekModule().isLabel(label)) { throw usageError("--label must be 1 to 32 characters from A-Z a-z 0-9 . _ -"); }
    return `${label}:${crypto.randomBytes(32).toString("hex")}`;
}

/** What a row stores for `key`: wrapped under `kek` when there is one. */
function storedKey(key, id, kek) {
    return kek === undefined ? key : wasm.wrapKey(key, id, kek);
}

/**
 * What may be shown of a stored key: {wrapped, label?, fingerprint?,
 * problem?}: a wrapped key's fingerprint only with its KEK; `problem` the
 * core's code when the KEK given does not unwrap it. Never the key.
 */
function keyStatus(stored, id, kek) {
    try {
        return wasm.keyInfo(stored, id, kek);
    } catch (error) {
        let info;
        try { info = wasm.keyInfo(stored, id, undefined); } catch (e) { info = { wrapped: isWrapped(stored) }; }
        return Object.assign(info, { problem: error.code || "bad_stored_key" });
    }
}

/** The KEY cell of list: "kw:<label> <fingerprint>", "kw:<label>" without its KEK, "plain <fingerprint>". */
function keyCell(status) {
    if (!status.wrapped) { return status.fingerprint ? `plain ${status.fingerprint}` : `plain (${status.problem})`; }
    return `kw:${status.label || "?"}` + (status.fingerprint ? ` ${status.fingerprint}` : status.problem ? ` (${status.problem})` : "");
}

/**
 * What to do about MariaDB's "no such table" (the schema, with its
 * procedures, is applied by the mariadb client, not by the CLI) and "data
 * too long" (strict mode: nothing is truncated) on a database made before
 * keys at rest, whose deviceKey column was VARCHAR(128).
 */
function mysqlHint(error) {
    if (error && error.code === "ER_NO_SUCH_TABLE") {
        return new CliError("the MariaDB database has no wsn-crypto tables: apply flows/schema-mysql.sql first (mariadb DB < flows/schema-mysql.sql)");
    }
    if (!error || error.code !== "ER_DATA_TOO_LONG") { return error; }
    return new CliError("a wrapped key does not fit the database's deviceKey column (a schema from before keys at rest); " +
        "nothing was changed: apply flows/schema-mysql.sql again (it widens the column to VARCHAR(255)), then run this again");
}

/**
 * After a rewrite on SQLite, no old key may stay in the files: free space
 * written before secure_delete was on (bin/cli/sqlite.js) still holds old
 * rows, and so do earlier page images in the WAL. VACUUM rebuilds the file
 * from the live rows, and a TRUNCATE checkpoint empties the WAL. False when
 * either could not complete (a running Node-RED held the database longer
 * than the busy timeout): the caller says so. MariaDB: nothing to do here
 * (README "Keys at rest": its logs, and old backups).
 */
async function scrub(db) {
    if (db.kind !== "sqlite") { return true; }
    try {
        await db.exec("VACUUM");
        const result = await db.get("PRAGMA wal_checkpoint(TRUNCATE)");
        return !result || result.busy === 0;
    } catch (error) {
        if (error && error.code === "SQLITE_BUSY") { return false; }
        throw error;
    }
}

/**
 * Runs `plan(rows)` -> [{id, from, to}] (or throws) over every device row
 * inside one transaction, then writes the changes; any error, and any end
 * of the process before COMMIT, leaves every row as it was.
 * `onProgress({started, total, changing})` once before the first write,
 * then `({done, changing})` every PROGRESS_EVERY rows.
 */
async function rewriteKeys(db, plan, onProgress) {
    await db.begin();
    try {
        // `forUpdate` (MySQL: " FOR UPDATE") is a constant of the handle, not data.
        const rows = await db.all("SELECT deviceID AS id, deviceKey AS stored FROM Devices ORDER BY deviceID" + db.forUpdate);
        const changes = plan(rows);
        if (onProgress) { onProgress({ started: true, total: rows.length, changing: changes.length }); }
        for (const [index, change] of changes.entries()) {
            // The old value in the WHERE too: a row changed under us counts as a failure, not a silent overwrite.
            const result = await db.run("UPDATE Devices SET deviceKey = ? WHERE deviceID = ? AND deviceKey = ?", [change.to, change.id, change.from]);
            if (result.changes !== 1) { throw new CliError(`device ${change.id} changed while its key was being rewritten; nothing was changed, run it again`); }
            if (onProgress && (index + 1) % PROGRESS_EVERY === 0) { onProgress({ done: index + 1, changing: changes.length }); }
        }
        await db.commit();
        return { changed: changes.length, total: rows.length, scrubbed: await scrub(db) };
    } catch (error) {
        // A failed ROLLBACK (connection gone) must not hide why it failed.
        await db.rollback().catch(() => {});
        throw mysqlHint(error);
    }
}

/**
 * Every plain key wrapped under `kekText`, in one transaction. Refuses, with
 * code nothing_to_wrap, when there is no plain key (a second run), and,
 * changing nothing, when a wrapped key does not unwrap under `kekText` (the
 * database would hold keys under two KEKs). Returns {wrapped, scrubbed}
 * (scrubbed: no old plain key left in the SQLite files; see scrub()).
 */
async function wrapPlainKeys(db, kekText, options = {}) {
    checkKek(kekText, "the KEK given");
    let result;
    try {
        result = await rewriteKeys(db, planWrap, options.onProgress);
    } catch (error) {
        // A second run changes no row; it still rebuilds the file, which is
        // how a first run's warning (a busy database) is made good.
        if (error.code === "nothing_to_wrap" && db.kind === "sqlite" && await scrub(db)) {
            error.message += "; the database file was rebuilt (VACUUM): no old key is left in its free space";
        }
        throw error;
    }
    return { wrapped: result.changed, scrubbed: result.scrubbed };

    function planWrap(rows) {
        const plain = rows.filter((row) => !isWrapped(row.stored));
        if (plain.length === 0) {
            throw codedError("nothing_to_wrap", rows.length === 0
                ? "there are no devices in the database: nothing to wrap (provision wraps the keys of new devices when a KEK is configured)"
                : `every device key (${rows.length}) is already wrapped: nothing to do; wrap-keys refuses to run twice (rewrap --from OLD --to NEW changes the KEK)`);
        }
        const other = rows.find((row) => isWrapped(row.stored) && keyStatus(row.stored, row.id, kekText).problem);
        if (other) {
            const status = keyStatus(other.stored, other.id, kekText);
            throw codedError("other_kek", `device ${other.id}'s key is wrapped already and does not unwrap under this KEK (kw:${status.label}, ${status.problem}); ` +
                "nothing was changed: rewrap it first, so the database keeps one KEK");
        }
        return plain.map((row) => ({ id: row.id, from: row.stored, to: wasm.wrapKey(row.stored, row.id, kekText) }));
    }
}

/**
 * Every wrapped key moved from KEK `from` to KEK `to`, in one transaction.
 * Rows already under `to` are left; a row that unwraps under neither stops
 * it, changing nothing (code rewrap_refused). Plain rows are left as they
 * are (wrap-keys wraps them). Returns {rewrapped, already, plain}.
 */
async function rewrapAll(db, from, to, options = {}) {
    checkKek(from, "--from");
    checkKek(to, "--to");
    let already = 0;
    let plain = 0;
    const { changed } = await rewriteKeys(db, function (rows) {
        const changes = [];
        const refused = [];
        for (const row of rows) {
            if (!isWrapped(row.stored)) { plain += 1; continue; }
            try {
                changes.push({ id: row.id, from: row.stored, to: wasm.rewrapKey(row.stored, row.id, from, to) });
            } catch (error) {
                if (!keyStatus(row.stored, row.id, to).problem) { already += 1; continue; }
                refused.push({ id: row.id, code: error.code, label: keyStatus(row.stored, row.id, undefined).label });
            }
        }
        if (refused.length > 0) {
            const first = refused[0];
            throw codedError("rewrap_refused", `${refused.length} device key(s) do not unwrap under --from (first: device ${first.id}, kw:${first.label}, ${first.code}); nothing was changed`);
        }
        if (changes.length === 0) {
            throw codedError("nothing_to_rewrap", already > 0
                ? `every wrapped key (${already}) is already under --to (kw:${kekLabel(to)}): nothing to do`
                : "there is no wrapped key in the database: nothing to rewrap (wrap-keys wraps plain keys)");
        }
        return changes;
    }, options.onProgress);
    return { rewrapped: changed, already, plain };
}

module.exports = { mysqlHint, isWrapped, kekLabel, kekFrom, checkKek, newKek, storedKey, keyStatus, keyCell, wrapPlainKeys, rewrapAll, looseModeWarning };
