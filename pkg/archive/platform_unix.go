//go:build !windows

package archive

import (
	"errors"

	"golang.org/x/sys/unix"
)

// systemCodePage is CP437, the code page of the original PKZIP and the
// zip specification's default, where there is no Windows OEM code page.
func systemCodePage() int { return 437 }

// FreeSpace returns the bytes an unprivileged user may still write on the
// volume that holds dir, which must exist.
func FreeSpace(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	free := uint64(st.Bavail) * uint64(st.Bsize)
	if free > 1<<62 {
		free = 1 << 62
	}
	return int64(free), nil
}

// isDiskFull reports whether a write failed for want of space or quota.
func isDiskFull(err error) bool {
	return errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EDQUOT)
}
