//go:build tools

// Package tools pins dependencies that later code uses but nothing imports yet.
package tools

import (
	_ "github.com/cucumber/godog"
)
