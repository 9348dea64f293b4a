//go:build linux && (amd64 || arm64)

package cleanup

// PauseAt stops Exit and Fail at the named points of their ending (see
// pause) by calling f there.
func PauseAt(f func(point string)) { pauseAt = f }

// OnHandlersRun tells f, as Exit ends, how many other threads were still
// runnable, and had not slept since first seen, when it stopped waiting
// for their signal handlers (0 unless it waited the whole 100 ms).
func OnHandlersRun(f func(left int)) { onHandlersRun = f }
