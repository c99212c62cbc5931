package archive

import (
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// setModTime dates an open file through its descriptor (utimensat with no
// path), saving the path lookup os.Chtimes would make. Closing the file
// does not change the time.
func setModTime(f *os.File, t time.Time) error {
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	ts := [2]unix.Timespec{unix.NsecToTimespec(t.UnixNano()), unix.NsecToTimespec(t.UnixNano())}
	var errno unix.Errno
	err = conn.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall6(unix.SYS_UTIMENSAT, fd, 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	})
	if err == nil && errno != 0 {
		err = errno
	}
	if err != nil {
		return os.Chtimes(f.Name(), t, t)
	}
	return nil
}
