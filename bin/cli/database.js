"use strict";
// The database a command works on: the SQLite file of --db, or the MariaDB
// of --mysql URL / WSN_MYSQL_URL (bin/cli/mysql.js). Both handles have the
// same run/get/all/exec/begin/commit/rollback, and `kind`.

const { usageError } = require("./errors.js");
const { withDatabase } = require("./sqlite.js");
const { mysqlTarget, describeTarget, withMysql } = require("./mysql.js");

/**
 * {kind, where, open(mode, work)} for the command's options; usage error
 * when there is neither --db nor a MySQL URL.
 */
function databaseTarget(values) {
    const mysql = mysqlTarget(values);
    if (mysql) {
        return { kind: "mysql", where: describeTarget(mysql), open: (mode, work) => withMysql(mysql, work) };
    }
    if (values.db === undefined || values.db === "") {
        throw usageError("--db is required (the SQLite database file; or --mysql URL, or WSN_MYSQL_URL, for MariaDB)");
    }
    return { kind: "sqlite", where: values.db, open: (mode, work) => withDatabase(values.db, mode, work) };
}

module.exports = { databaseTarget };
