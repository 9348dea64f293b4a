//go:build linux && (amd64 || arm64)

// Package cmdline reads an example's command line the way golang/example
// programs do: a usage text that -h prints on standard output, and any
// mistake answered on standard error with the reason and the usage, exit
// status 2 ("you called me wrong"; 1 is kept for "a call failed").
package cmdline

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Usage prints a usage message (and an optional reason) to standard error
// and exits with status 2: the exit status for "you called me wrong".
func Usage(usage string, format string, args ...interface{}) {
	if format != "" {
		fmt.Fprintf(os.Stderr, "%s: %s\n", progName(), fmt.Sprintf(format, args...))
	}
	fmt.Fprint(os.Stderr, strings.TrimLeft(usage, "\n"))
	os.Exit(2)
}

// Parse parses args (os.Args[1:] or a subcommand's rest) with fs and
// checks that between min and max positional arguments remain (max < 0:
// no limit). On any problem it prints usage to standard error and exits 2.
// The usage text is also what -h prints.
func Parse(fs *flag.FlagSet, args []string, usage string, min, max int) []string {
	fs.SetOutput(io.Discard) // we print our own usage, once
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(os.Stdout, strings.TrimLeft(usage, "\n"))
			os.Exit(0)
		}
		Usage(usage, "%v", err)
	}
	rest := fs.Args()
	switch {
	case len(rest) < min:
		Usage(usage, "missing argument")
	case max >= 0 && len(rest) > max:
		Usage(usage, "unexpected argument %q", rest[max])
	}
	return rest
}

func progName() string {
	p := os.Args[0]
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	return p
}
