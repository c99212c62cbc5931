//go:build !unix

package e2e

import "os"

// inode is unknown here; modification times and sizes still tell.
func inode(os.FileInfo) uint64 { return 0 }
