//go:build linux && (amd64 || arm64)

package main

// The checker's own tests (main_test.go) read what each exNN.go says of
// its exercise here, so that adding an exercise touches its folder and
// one checker file.

// mutant is a solution with one mistake put in: the source file (from
// the repository root), the name of its marker there (see applyMutant),
// and the criteria that must fail (by a word they contain) with a phrase
// their reason contains.
type mutant struct {
	name    string
	mark    string
	src     string
	retries int               // more runs allowed to catch it
	fails   map[string]string // criterion substring -> reason substring (or "a | b": either)
}

type exerciseTest struct {
	name      string
	solutions [][]string        // checker flags of each reference solution
	starter   map[string]string // failing criterion substring -> reason substring
	mutants   []mutant
}

// selfTests are every exercise's.
var selfTests []exerciseTest
