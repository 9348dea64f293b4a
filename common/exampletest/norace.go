//go:build linux && (amd64 || arm64) && !race

package exampletest

const raceEnabled = false
