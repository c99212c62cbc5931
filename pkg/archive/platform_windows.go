//go:build windows

package archive

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

var procGetOEMCP = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetOEMCP")

// systemCodePage is the OEM code page, the one Windows' own zip support
// and most Windows zip tools use for names without the UTF-8 flag.
func systemCodePage() int {
	if procGetOEMCP.Find() != nil {
		return 437
	}
	cp, _, _ := procGetOEMCP.Call()
	return int(cp)
}

// FreeSpace returns the bytes the current user may still write on the
// volume that holds dir, which must exist.
func FreeSpace(dir string) (int64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, err
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, err
	}
	if avail > 1<<62 {
		avail = 1 << 62
	}
	return int64(avail), nil
}

// isDiskFull reports whether a write failed for want of space or quota.
func isDiskFull(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) ||
		errors.Is(err, windows.ERROR_HANDLE_DISK_FULL) ||
		errors.Is(err, windows.ERROR_DISK_QUOTA_EXCEEDED)
}

// setModTime dates an open file through its handle. Once a time is set on
// a handle, Windows no longer updates it for that handle's writes.
func setModTime(f *os.File, t time.Time) error {
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	ft := windows.NsecToFiletime(t.UnixNano())
	var opErr error
	err = conn.Control(func(fd uintptr) {
		opErr = windows.SetFileTime(windows.Handle(fd), nil, &ft, &ft)
	})
	if err == nil {
		err = opErr
	}
	return err
}
