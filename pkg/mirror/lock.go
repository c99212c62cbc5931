package mirror

import (
	"context"
	"errors"
	"os"
	"time"
)

// errLocked reports that another process holds the lock.
var errLocked = errors.New("mirror: folder locked by another run")

// folderLock is an exclusive lock on a file, held by the operating system
// so that it dies with its process: a killed run never leaves a stale lock.
type folderLock struct{ f *os.File }

// acquireLock takes the lock at path, trying again until timeout.
func acquireLock(ctx context.Context, path string, timeout time.Duration) (*folderLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		err := tryLock(f)
		if err == nil {
			return &folderLock{f}, nil
		}
		if !errors.Is(err, errLocked) {
			f.Close()
			return nil, err
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, errLocked
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (l *folderLock) release() {
	unlock(l.f)
	l.f.Close()
}
