// Package features embeds the Gherkin suite (the *.feature files beside this file), so that
// stytch-conform and test binaries carry it.
package features

import "embed"

// FS holds every *.feature file of the suite.
//
//go:embed *.feature
var FS embed.FS
