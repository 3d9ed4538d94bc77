"use strict";
// The same settings for scripts/test.sh, `npm run test:mysql` and a hand-run
// `npx mocha tests/js/x.test.js`.
module.exports = {
    // Suites start Node-RED, MariaDB and Chromium; a 2-core CI machine needs minutes, not mocha's 2 s.
    timeout: 180000,
    // No handle is known to outlive the suites (`npx mocha --no-exit` ends by
    // itself); this only keeps a future leak from hanging CI. Look for one
    // with --no-exit.
    exit: true
};
