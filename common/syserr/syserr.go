//go:build linux && (amd64 || arm64)

// Package syserr turns a failed system call into a sentence a learner can
// act on: the call, the errno by name, the C library's text for it, and what
// that errno means in this particular place.
//
//	open(O_WRONLY|O_NONBLOCK) failed: ENXIO (no such device or address):
//	no process has the FIFO open for reading
//
// The same errno means different things after different calls (ENOENT from
// msgget is "start the server first", from open it is "no such path"), so
// the caller supplies the meanings it expects; any other errno still gets
// its name and the C library's text.
package syserr

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Meanings maps the errnos a call is expected to fail with to what each
// means at that call site.
type Meanings map[unix.Errno]string

// Error is a failed call, named.
type Error struct {
	Call    string     // the call as a C programmer would write it: "open(O_WRONLY|O_NONBLOCK)"
	Errno   unix.Errno // 0 when the failure was not an errno
	Meaning string     // what the errno means here; may be empty
	Err     error      // the original error
}

func (e *Error) Error() string {
	if e.Errno == 0 {
		return fmt.Sprintf("%s failed: %v", e.Call, e.Err)
	}
	s := fmt.Sprintf("%s failed: %s (%s)", e.Call, Name(e.Errno), e.Errno.Error())
	if e.Meaning != "" {
		s += ": " + e.Meaning
	}
	return s
}

// Unwrap lets errors.Is(err, unix.ENXIO) see through the wrapper.
func (e *Error) Unwrap() error { return e.Err }

// Wrap names a failed call. It returns nil when err is nil, so it can wrap
// a call's result directly: err = syserr.Wrap("close", unix.Close(fd), nil).
func Wrap(call string, err error, m Meanings) error {
	if err == nil {
		return nil
	}
	e := &Error{Call: call, Err: err}
	if errors.As(err, &e.Errno) {
		e.Meaning = m[e.Errno]
	}
	return e
}

// Name is the errno's C name, "ENXIO", or "errno N" for one Go does not know.
func Name(e unix.Errno) string {
	if n := unix.ErrnoName(e); n != "" {
		return n
	}
	return fmt.Sprintf("errno %d", int(e))
}

// Errno extracts the errno from err, or 0 if there is none.
func Errno(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// Explain gives an already named error a more precise meaning for this call
// site ("start the server first" where the wrapper said "no queue has this
// key"). Errors it does not know, and errnos m does not list, are returned
// unchanged.
func Explain(err error, m Meanings) error {
	var e *Error
	if errors.As(err, &e) {
		if s, ok := m[e.Errno]; ok {
			c := *e
			c.Meaning = s
			return &c
		}
	}
	return err
}

// Flag is one named bit of a flags argument: {unix.IPC_CREAT, "IPC_CREAT"}.
type Flag struct {
	Bit  uint64
	Name string
}

// FlagNames spells a flags argument the way a C programmer writes it: the
// named bits joined by "|", in the order of names, then any other bits as
// one number in base 8 (permission bits: "IPC_CREAT|0600") or 16; "0" when
// no bit is set. Every call an example prints is spelled from the value it
// passes, through this one function.
func FlagNames(v uint64, names []Flag, base int) string {
	var parts []string
	for _, f := range names {
		if v&f.Bit != 0 {
			parts = append(parts, f.Name)
			v &^= f.Bit
		}
	}
	switch {
	case v != 0 && base == 16:
		parts = append(parts, fmt.Sprintf("%#x", v))
	case v != 0:
		parts = append(parts, fmt.Sprintf("%#o", v))
	case len(parts) == 0:
		parts = append(parts, "0")
	}
	return strings.Join(parts, "|")
}
