package child_test

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

func unsafePointer(info *unix.Siginfo) unsafe.Pointer { return unsafe.Pointer(info) }
