//go:build linux && (amd64 || arm64)

package main

// helpers are the checker's own processes, started by Scene.Helper in the
// same IPC namespace as the solution: a client of the checker's making,
// say, that knows exactly what it sent and what it must get back.
var helpers = map[string]func(args []string){}
