package archive

import (
	"os"
	"path/filepath"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// tempFile is a file being written under a temporary name beside its
// target. On Linux it is a bare descriptor: opened, dated, closed and
// renamed with one system call each, where os.OpenFile, os.File and
// os.Rename add several more per file (poller set-up, flag queries, a
// look-up of the target); with thousands of small files that shows.
// Placement is otherwise exactly safefile's: a temporary name in the
// target's folder in the pattern safefile.CleanLeftovers recognizes, and a
// rename over the target.
type tempFile struct {
	fd     int
	name   string
	done   bool
	direct bool // written under its own name; commit only closes it
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
		return &tempFile{fd: fd, name: name}, nil
	}
}

// createDirect creates a file under its own name, for a folder that is
// itself staged under a temporary name.
func createDirect(dir, base string) (*tempFile, error) {
	name := filepath.Join(dir, base)
	for {
		fd, err := unix.Open(name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
		return &tempFile{fd: fd, name: name, direct: true}, nil
	}
}

// Write writes all of p.
func (t *tempFile) Write(p []byte) (int, error) {
	written := 0
	for written < len(p) {
		n, err := unix.Write(t.fd, p[written:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return written, &os.PathError{Op: "write", Path: t.name, Err: err}
		}
		written += n
	}
	return written, nil
}

// setModTime dates the file through its descriptor (utimensat with no
// path); closing the file does not change the time.
func (t *tempFile) setModTime(mt time.Time) error {
	ts := [2]unix.Timespec{unix.NsecToTimespec(mt.UnixNano()), unix.NsecToTimespec(mt.UnixNano())}
	_, _, errno := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(t.fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if errno != 0 {
		return &os.PathError{Op: "utimensat", Path: t.name, Err: errno}
	}
	return nil
}

// commit closes the file and renames it over target.
func (t *tempFile) commit(target string) error {
	t.done = true
	if err := unix.Close(t.fd); err != nil {
		unix.Unlink(t.name)
		return &os.PathError{Op: "close", Path: t.name, Err: err}
	}
	if t.direct {
		return nil
	}
	if err := unix.Rename(t.name, target); err != nil {
		unix.Unlink(t.name)
		return &os.LinkError{Op: "rename", Old: t.name, New: target, Err: err}
	}
	return nil
}

// abort removes the file unless it was committed.
func (t *tempFile) abort() {
	if t.done {
		return
	}
	t.done = true
	unix.Close(t.fd)
	unix.Unlink(t.name)
}
