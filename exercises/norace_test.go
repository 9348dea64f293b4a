//go:build linux && (amd64 || arm64) && !race

package main

// raceBuild: the tests run with -race, several times slower.
const raceBuild = false
