package archive

import (
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// tempFile is a file being written under a temporary name beside its
// target. On Linux it is opened with one system call and renamed with one,
// where os.OpenFile and os.Rename add several more per file (poller set-up,
// a look-up of the target); with thousands of small files that shows.
// Placement is otherwise exactly safefile's: a temporary name in the
// target's folder in the pattern safefile.CleanLeftovers recognizes, and a
// rename over the target.
type tempFile struct {
	*os.File
	done bool
}

func createTemp(dir, base string) (*tempFile, error) {
	for attempt := 0; ; attempt++ {
		name := filepath.Join(dir, safefile.TempName(base))
		fd, err := unix.Open(name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
		if err == unix.EINTR || (err == unix.EEXIST && attempt < 3) {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
		return &tempFile{File: os.NewFile(uintptr(fd), name)}, nil
	}
}

func (t *tempFile) setModTime(mt time.Time) error { return setModTime(t.File, mt) }

// commit closes the file and renames it over target.
func (t *tempFile) commit(target string) error {
	t.done = true
	name := t.Name()
	if err := t.Close(); err != nil {
		unix.Unlink(name)
		return err
	}
	if err := unix.Rename(name, target); err != nil {
		unix.Unlink(name)
		return &os.LinkError{Op: "rename", Old: name, New: target, Err: err}
	}
	return nil
}

// abort removes the file unless it was committed.
func (t *tempFile) abort() {
	if t.done {
		return
	}
	t.done = true
	t.Close()
	unix.Unlink(t.Name())
}
