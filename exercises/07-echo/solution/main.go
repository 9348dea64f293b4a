//go:build linux && (amd64 || arm64)

// Reference solution of exercise 07-echo (see ../README.md): one server,
// several clients, one System V message queue. Requests have type 1 and
// carry the client's PID; each answer has that PID as its type, so each
// client receives only its own.
//
//	echo server PATH         make the queue ftok(PATH, 'M'), answer until SIGTERM
//	echo client PATH TEXT    send TEXT, print the answer (TEXT in capitals)
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/goipc/ipc-examples/common/sysv"
)

const request = 1 // the type of every request

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "server":
		server(os.Args[2])
	case len(os.Args) == 4 && os.Args[1] == "client":
		client(os.Args[2], os.Args[3])
	default:
		fmt.Fprintln(os.Stderr, "usage: echo server PATH | echo client PATH TEXT")
		os.Exit(2)
	}
}

func server(path string) {
	// key = ftok(path, 'M');
	key, err := sysv.Ftok(path, 'M')
	check(err)
	// id = msgget(key, IPC_CREAT|IPC_EXCL|0600);
	id, err := sysv.Msgget(key, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	check(err)
	// On SIGTERM (or Ctrl-C): remove the queue. The msgrcv below then
	// fails with EIDRM, and the server ends.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT)
	go func() {
		<-sigs
		sysv.Msgctl(id, unix.IPC_RMID, nil) // the loop sees the result
	}()
	fmt.Println("ready")

	buf := make([]byte, 1024)
	for {
		// msgrcv(id, &msg, sizeof msg.text, 1, 0);
		_, n, err := sysv.Msgrcv(id, buf, request, sysv.MSG_NOERROR)
		if errors.Is(err, unix.EIDRM) || errors.Is(err, unix.EINVAL) {
			return // removed: the end
		}
		check(err)
		pidText, text, _ := strings.Cut(string(buf[:n]), " ")
		pid, err := strconv.ParseInt(pidText, 10, 64) // mutant go-server-parses-whole-request: pid, err := strconv.ParseInt(string(buf[:n]), 10, 64)\n		check(err)\n		_ = pidText
		if err != nil || pid <= 0 {
			fmt.Fprintf(os.Stderr, "server: bad request %q\n", buf[:n])
			continue
		}
		// msgsnd(id, &reply, len, 0), reply.mtype = the client's PID
		if err := sysv.Msgsnd(id, pid, []byte(strings.ToUpper(text)), 0); err != nil { // mutant go-answer-sent-with-requests: if err := sysv.Msgsnd(id, request, []byte(strings.ToUpper(text)), 0); err != nil { // mutant go-msgsz-whole-buffer: if err := sysv.Msgsnd(id, pid, append([]byte(strings.ToUpper(text)), make([]byte, len(buf)-len(text))...), 0); err != nil {
			if errors.Is(err, unix.EIDRM) || errors.Is(err, unix.EINVAL) {
				return
			}
			check(err)
		}
	}
}

func client(path, text string) {
	key, err := sysv.Ftok(path, 'M')
	check(err)
	// msgget(key, 0): open the server's queue; ENOENT if there is no server.
	id, err := sysv.Msgget(key, 0)
	check(err)
	pid := os.Getpid()
	check(sysv.Msgsnd(id, request, []byte(fmt.Sprintf("%d %s", pid, text)), 0))
	buf := make([]byte, 1024)
	// Only messages of type pid: the answers to this client.
	_, n, err := sysv.Msgrcv(id, buf, int64(pid), sysv.MSG_NOERROR)
	check(err)
	fmt.Printf("%s\n", buf[:n])
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}
