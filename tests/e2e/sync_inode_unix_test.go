//go:build unix

package e2e

import (
	"os"
	"syscall"
)

// inode identifies a file's storage: a file replaced by rename gets a new
// one, a file left alone keeps it.
func inode(info os.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
