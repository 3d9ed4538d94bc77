"use strict";
// Errors the CLI reports as one line on stderr. The exit status tells
// scripts apart a failure (1) from a command line that makes no sense (2).

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

class CliError extends Error {
    constructor(message, options) {
        super(message);
        this.name = "CliError";
        this.exitCode = (options && options.exitCode) || EXIT_FAILURE;
    }
}

function usageError(message) {
    return new CliError(message, { exitCode: EXIT_USAGE });
}

module.exports = { CliError, usageError, EXIT_FAILURE, EXIT_USAGE };
