package main

// connect()'s errors, and the stale socket file a killed server leaves:
// bind() then fails with EADDRINUSE, and the only safe test of "is it
// stale?" is to connect to it. ECONNREFUSED: nobody listens, the file can
// go. A connection: another server lives there, and deleting its file
// would cut it off from every new client while it still runs.

import (
	"errors"
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/syserr"
)

// staleOrLive is the server's answer to EADDRINUSE on a path.
func (s *chatServer) staleOrLive(name string) (endpoint, error) {
	fi, err := os.Lstat(name)
	if err != nil {
		return nil, syserr.Wrap("lstat "+name, err, nil)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return nil, errors.New(name + " exists and is not a socket (" + fi.Mode().String() + "): not removing it; choose another -path")
	}
	err = probe(s.ty, name)
	switch {
	case err == nil:
		return nil, errors.New("bind(" + name + "): EADDRINUSE: a server is listening there (connect succeeded); not removing its socket file")
	case !errors.Is(err, unix.ECONNREFUSED):
		return nil, err
	}
	s.me.Warnf("bind(%s): EADDRINUSE; connect: ECONNREFUSED: nobody listens, so it is the stale\n"+
		"socket file of a server that was killed (kill -9) or crashed; removing it", name)
	if err := os.Remove(name); err != nil {
		return nil, syserr.Wrap("unlink", err, nil)
	}
	return s.listen(name)
}

// probe connects to name and hangs up: nil if something accepts there.
func probe(ty int, name string) error {
	c, err := net.DialUnix(network(ty), nil, unixAddr(ty, name))
	if err != nil {
		return syserr.Wrap("connect("+name+")", err, syserr.Meanings{
			unix.ENOENT:       "no such file: no server made it",
			unix.ECONNREFUSED: "a socket file, but nobody listens on it",
			unix.EPROTOTYPE:   "a socket of another type listens there",
		})
	}
	c.Close()
	return nil
}
