"use strict";
// Dispatches `wsn-crypto <command> …` and turns errors into one line on
// stderr and an exit status.

const { CliError, EXIT_FAILURE, EXIT_USAGE } = require("./errors.js");

const COMMANDS = ["init", "migrate", "provision", "list", "remove", "new-kek", "wrap-keys", "rewrap", "send", "resync", "seal", "open", "encrypt", "decrypt"];

function command(name) {
    return require(`./commands/${name}.js`);
}

function overview() {
    const lines = COMMANDS.map((name) => `  ${name.padEnd(10)} ${command(name).summary}`);
    return `Usage: wsn-crypto <command> [options]

Creates the database of the wsn-crypto Node-RED backend, provisions its
devices, acts as a device against it, and makes the exact bodies a device
sends (and opens them).

Commands:
${lines.join("\n")}

Run 'wsn-crypto <command> --help' for a command's options.
Keys: commands that need one take --key or the WSN_KEY environment variable.
Only provision ever prints a device key (and new-kek the KEK it makes).
Keys at rest: with a key-encryption key (KEK) the database stores device
keys wrapped under it; the KEK comes from a key file, --kek FILE, or the
environment, WSN_KEK_FILE (or WSN_KEK), never from the command line.
Databases: --db FILE (SQLite); provision, list, wrap-keys and rewrap also
take --mysql URL or WSN_MYSQL_URL (MariaDB/MySQL).
Exit status: 0 success, 1 failure, 2 bad arguments.`;
}

function wantsHelp(argv) {
    const end = argv.indexOf("--");
    const options = end === -1 ? argv : argv.slice(0, end);
    return options.includes("--help") || options.includes("-h");
}

function version() {
    return require("../../package.json").version;
}

/** The message for an error: ours as they are, the core's by code. */
function describe(error) {
    if (error instanceof CliError) { return { message: error.message, status: error.exitCode }; }
    if (error && error.code === "bad_key") {
        return { message: "the key is not usable: the raw and auth formats need 32, 48 or 64 hex digits, the passphrase format a non-empty passphrase", status: EXIT_USAGE };
    }
    if (error && typeof error.code === "string" && /^[a-z_]+$/.test(error.code)) {
        return { message: `${error.message} (${error.code})`, status: EXIT_FAILURE };
    }
    const detail = process.env.WSN_DEBUG ? `\n${error && error.stack}` : " (WSN_DEBUG=1 shows more)";
    return { message: `unexpected error: ${error && error.message}${detail}`, status: EXIT_FAILURE };
}

/** Runs the command line; resolves to the exit status. */
async function main(argv) {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
        const topic = name === "help" && rest[0];
        if (topic && COMMANDS.includes(topic)) {
            process.stdout.write(command(topic).usage + "\n");
            return 0;
        }
        // Without a command it is a usage error: the overview goes to stderr.
        (name === undefined ? process.stderr : process.stdout).write(overview() + "\n");
        return name === undefined ? EXIT_USAGE : 0;
    }
    if (name === "--version" || name === "-V") {
        process.stdout.write(version() + "\n");
        return 0;
    }
    if (!COMMANDS.includes(name)) {
        process.stderr.write(`wsn-crypto: unknown command '${name}'; the commands are: ${COMMANDS.join(", ")} (wsn-crypto --help)\n`);
        return EXIT_USAGE;
    }
    const cmd = command(name);
    if (wantsHelp(rest)) {
        process.stdout.write(cmd.usage + "\n");
        return 0;
    }
    try {
        return await cmd.run(rest);
    } catch (error) {
        const { message, status } = describe(error);
        const hint = status === EXIT_USAGE ? ` (wsn-crypto ${name} --help)` : "";
        process.stderr.write(`wsn-crypto ${name}: ${message}${hint}\n`);
        return status;
    }
}

module.exports = { COMMANDS, main };
