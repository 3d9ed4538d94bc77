"use strict";
// Command-line parsing on node:util parseArgs, and the checks shared by the
// commands. Messages never repeat an argument's value: it may be a key.

const { parseArgs } = require("node:util");
const { usageError } = require("./errors.js");

const FORMATS = ["passphrase", "raw", "auth"];
// The formats without an integrity tag, kept for devices that cannot be updated.
const LEGACY_FORMATS = ["passphrase", "raw"];
// What encrypt and decrypt speak: the bare cipher, without the envelope that
// the authenticated format is.
const CIPHER_FORMATS = ["passphrase", "raw"];

const NEGATIVE_NUMBER = /^-\.?\d/;

/**
 * parseArgs reads "-40" as an option, and the article's devices send -40.
 * This puts negative numbers where parseArgs takes them as values:
 * "--value -40" becomes "--value=-40", and positionals go after "--".
 */
function negativeNumbersAsValues(argv, options) {
    const takesValue = new Set();
    for (const [name, option] of Object.entries(options)) {
        if (option.type === "string") {
            takesValue.add(`--${name}`);
            if (option.short) { takesValue.add(`-${option.short}`); }
        }
    }
    const flags = [];
    const positionals = [];
    for (let i = 0; i < argv.length; i++) {
        const token = argv[i];
        const next = argv[i + 1];
        if (token === "--") {
            positionals.push(...argv.slice(i + 1));
            break;
        }
        if (takesValue.has(token) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
            flags.push(`${token}=${next}`);
            i++;
        } else if (takesValue.has(token) && next !== undefined && !next.startsWith("-")) {
            flags.push(token, next);
            i++;
        } else if (token.startsWith("-") && !NEGATIVE_NUMBER.test(token)) {
            flags.push(token);
        } else {
            positionals.push(token);
        }
    }
    return positionals.length ? flags.concat("--", positionals) : flags;
}

/** Parses argv against a command's option table; `--help` is always there. */
function parse(command, argv) {
    const options = Object.assign({ help: { type: "boolean", short: "h" } }, command.options || {});
    try {
        return parseArgs({
            args: negativeNumbersAsValues(argv, options),
            options,
            allowPositionals: Boolean(command.positionals),
            strict: true
        });
    } catch (error) {
        if (error.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
            throw usageError("this command takes no positional arguments (options are written --name value)");
        }
        throw usageError(error.message.split("\n")[0]);
    }
}

/** An integer option within [min, max], or the default when absent. */
function integer(values, name, bounds, fallback) {
    const text = values[name];
    if (text === undefined) { return fallback; }
    const number = Number(text);
    if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(number) ||
        number < bounds.min || (bounds.max !== undefined && number > bounds.max)) {
        const range = bounds.max === undefined ? `${bounds.min} or more` : `from ${bounds.min} to ${bounds.max}`;
        throw usageError(`--${name} must be a whole number ${range}`);
    }
    return number;
}

/** --name's value if it is one of `choices`, undefined if it is not given. */
function oneOf(values, name, choices) {
    if (values[name] !== undefined && !choices.includes(values[name])) {
        throw usageError(`--${name} must be one of: ${choices.join(", ")}`);
    }
    return values[name];
}

/** --format's value, or `fallback` (passphrase unless given) when absent. */
function format(values, allowed, fallback) {
    const value = oneOf(values, "format", allowed || FORMATS);
    return value === undefined ? fallback || "passphrase" : value;
}

/**
 * The legacy formats a comma-separated formats list allows, in its order,
 * read by the core's own rule (the one the backend applies).
 */
function legacyFormats(text) {
    return allowedFormats(text).filter((f) => LEGACY_FORMATS.includes(f));
}

/** The wire formats a stored formats list allows, as the backend reads it. */
function allowedFormats(text) {
    return require("./core.js").wasm().formatsAllowed(text);
}

/**
 * A comma-separated list of wire formats, as the Devices table's
 * deviceFormats column holds it: known names, each once, in the order given.
 */
function formatList(text, name) {
    const list = String(text).split(",").map((f) => f.trim());
    // The backend refuses every format to a device with none: never a default.
    if (list.every((f) => f === "")) {
        throw usageError(`--${name} must name at least one format (e.g. auth): a device with none is refused every request`);
    }
    if (list.some((f) => !FORMATS.includes(f))) {
        throw usageError(`--${name} must be a comma-separated list of: ${FORMATS.join(", ")} (e.g. auth, or passphrase,raw,auth)`);
    }
    return [...new Set(list)].join(",");
}

function required(values, name, what) {
    if (values[name] === undefined || values[name] === "") {
        throw usageError(`--${name} is required (${what})`);
    }
    return values[name];
}

/** JSON if it parses (numbers, objects, true/false/null), else the text itself. */
function jsonOrText(text) {
    try {
        return JSON.parse(text);
    } catch (e) {
        return text;
    }
}

function jsonObject(text, name) {
    let value;
    try {
        value = JSON.parse(text);
    } catch (e) {
        throw usageError(`${name} is not valid JSON`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw usageError(`${name} must be a JSON object`);
    }
    return value;
}

module.exports = { FORMATS, LEGACY_FORMATS, CIPHER_FORMATS, legacyFormats, allowedFormats, parse, integer, oneOf, format, formatList, required, jsonOrText, jsonObject };
