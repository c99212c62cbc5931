//go:build !linux && !windows

package archive

import (
	"os"
	"time"
)

// setModTime dates a file by its path.
func setModTime(f *os.File, t time.Time) error {
	return os.Chtimes(f.Name(), t, t)
}
