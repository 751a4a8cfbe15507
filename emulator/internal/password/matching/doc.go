// Package matching is the matching package of github.com/trustelem/zxcvbn v1.0.1 (MIT licence,
// LICENSE.txt), the zxcvbn port the emulator's strength check uses, with two changes:
//   - the ranked frequency dictionaries (about 10 MB of maps over 90,000 words) are built on the
//     first strength check instead of in the package's initialisation. Upstream builds them
//     before main runs, in every program that links the package; that was about two thirds of
//     the standalone emulator's start-up (17 of 27 ms) and a third of its memory after start,
//     spent even by processes that never check a password;
//   - the dictionaries are searched in zxcvbn's order of its frequency lists, then the user
//     inputs, where upstream ranged over a Go map: of two equally cheap matches over the same
//     characters (a word of the same rank in two lists) the first list's wins, as in zxcvbn,
//     instead of one at random, so a password's feedback no longer changes between checks.
//
// Everything else is upstream's code, unchanged but for gofmt, doc comments and its internal
// mathutils.Abs, replaced by this package's abs. The other zxcvbn packages (adjacency, frequency,
// match, scoring) are imported from the module as they are. A test in the password package
// compares this package's scores and guesses with upstream's PasswordStrength over a corpus of
// passwords.
package matching
