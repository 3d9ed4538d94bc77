// What the shim's files share, whichever board they stand in for: the files
// that hold what a board keeps in hardware, failing loudly when a test set
// one up wrong, and the end of a wake. Not a core header: no sketch sees it.
#ifndef WSN_SHIM_BOARD_H
#define WSN_SHIM_BOARD_H

/// The path in the environment variable `variable` (WSN_SHIM_RTC, ...);
/// ends the run with status 2 when it is not set.
const char* shimMemoryFile(const char* variable);

/// Prints "shim: <what>" on stderr and ends the run with status 2: the test
/// (not the sketch) got something wrong, and must not pass for it.
[[noreturn]] void shimFail(const char* what);

/// Flushes Serial and ends the run with status 0: the board sleeps and
/// resets, and the next run of the program is its next wake.
[[noreturn]] void shimDeepSleep();

#endif  // WSN_SHIM_BOARD_H
