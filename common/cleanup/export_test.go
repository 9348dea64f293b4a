//go:build linux && (amd64 || arm64)

package cleanup

// PauseAt stops Exit and Fail at the named points of their ending (see
// pause) by calling f there.
func PauseAt(f func(point string)) { pauseAt = f }

// OnHandlersRun tells f, as Exit ends, how many other threads were still
// runnable, and had not slept since first seen, when it stopped waiting
// for their signal handlers (0 unless it waited the whole 100 ms).
func OnHandlersRun(f func(left int)) { onHandlersRun = f }

// OnFailWait tells f, as a failure ends the program, what ended its wait
// for a signal on its way: "a signal", "nothing on its way" or "the time
// limit".
func OnFailWait(f func(waited string)) { onFailWait = f }
