//go:build !windows

package safefile

import (
	"errors"
	"syscall"
)

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// renameBlocked is false on Unix: a rename over a running or open file
// always succeeds there.
func renameBlocked(err error) bool { return false }
