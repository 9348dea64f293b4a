//go:build linux && (amd64 || arm64)

package main

// The chat's protocol, shared by server.go, goroutines.go and client.go:
// the command line, the longest line, how a line of input is read, and
// where the kernel's credentials are found in a control message.

import (
	"bufio"
	"flag"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/cmdline"
	"github.com/goipc/ipc-examples/common/syserr"
)

// msgMax is the longest line the chat carries, in both languages.
const msgMax = 1024

// addrFlags parses -type, -path and -abstract.
func addrFlags(name string, args []string, needAddr bool, goroutines *bool) (ty int, path, abstract string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if goroutines != nil {
		fs.BoolVar(goroutines, "goroutines", false, "a goroutine per client (goroutines.go)")
	}
	tyS := fs.String("type", "stream", "stream, seqpacket or dgram")
	fs.StringVar(&path, "path", "", "the socket file")
	fs.StringVar(&abstract, "abstract", "", "an abstract name")
	cmdline.Parse(fs, args, usage, 0, 0)
	fs.Visit(func(f *flag.Flag) { // given, but empty: a usage error, not "not given"
		if f.Value.String() == "" {
			cmdline.Usage(usage, "-%s is empty: give a value or leave the flag out", f.Name)
		}
	})
	ty = -1
	switch *tyS {
	case "stream":
		ty = unix.SOCK_STREAM
	case "seqpacket":
		ty = unix.SOCK_SEQPACKET
	case "dgram":
		ty = unix.SOCK_DGRAM
	}
	switch {
	case ty < 0:
		cmdline.Usage(usage, "-type must be stream, seqpacket or dgram, not %q", *tyS)
	case path != "" && abstract != "":
		cmdline.Usage(usage, "give -path or -abstract, not both")
	case needAddr && path == "" && abstract == "":
		cmdline.Usage(usage, "give -path or -abstract: the server prints the command to type")
	case len(path) >= len(unix.RawSockaddrUnix{}.Path):
		cmdline.Usage(usage, "-path is %d bytes; sun_path holds %d with its NUL, so at most %d", len(path), len(unix.RawSockaddrUnix{}.Path), len(unix.RawSockaddrUnix{}.Path)-1)
	case len(abstract) >= len(unix.RawSockaddrUnix{}.Path):
		cmdline.Usage(usage, "-abstract is %d bytes; at most %d", len(abstract), len(unix.RawSockaddrUnix{}.Path)-1)
	}
	if abstract != "" {
		abstract = "@" + abstract // package net's spelling of the leading NUL
	}
	return ty, path, abstract
}

// clientArgs is the client's command line for this server.
func clientArgs(ty int, name string) string {
	s := ""
	if ty != unix.SOCK_STREAM {
		s = " -type seqpacket"
		if ty == unix.SOCK_DGRAM {
			s = " -type dgram"
		}
	}
	if strings.HasPrefix(name, "@") {
		return s + " -abstract " + name[1:]
	}
	return s + " -path " + name
}

// credsOf finds SCM_CREDENTIALS in a control message buffer.
func credsOf(oob []byte) *unix.Ucred {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	for i := range msgs {
		if uc, err := unix.ParseUnixCredentials(&msgs[i]); err == nil {
			return uc
		}
	}
	return nil
}

// readLine reads one line of input without its line end. ok is false at
// end of input; a last line without a newline still counts.
func readLine(in *bufio.Reader) (line string, ok bool, err error) {
	line, err = in.ReadString('\n')
	if err == io.EOF && line == "" {
		return "", false, nil
	}
	if err != nil && err != io.EOF {
		return "", false, syserr.Wrap("read(stdin)", err, nil)
	}
	return strings.TrimRight(line, "\r\n"), true, nil
}

// prompt prints "> " when a person types the lines, not when a script
// pipes them in.
func prompt() {
	if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
		_, _ = os.Stdout.WriteString("> ") // a courtesy
	}
}
