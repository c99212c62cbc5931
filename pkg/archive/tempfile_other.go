//go:build !linux

package archive

import (
	"os"
	"path/filepath"
	"time"

	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// tempFile is a file being written under a temporary name beside its
// target: a safefile.File, whose commit also replaces running executables
// on Windows.
type tempFile struct {
	*safefile.File
	direct *os.File // instead: a file written under its own name
}

func createTemp(dir, base string) (*tempFile, error) {
	f, err := safefile.Create(dir, base)
	if err != nil {
		return nil, err
	}
	return &tempFile{File: f}, nil
}

// createDirect creates a file under its own name, for a folder that is
// itself staged under a temporary name.
func createDirect(dir, base string) (*tempFile, error) {
	f, err := os.OpenFile(filepath.Join(dir, base), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return &tempFile{direct: f}, nil
}

func (t *tempFile) Write(p []byte) (int, error) {
	if t.direct != nil {
		return t.direct.Write(p)
	}
	return t.File.Write(p)
}

func (t *tempFile) setModTime(mt time.Time) error {
	if t.direct != nil {
		return setModTime(t.direct, mt)
	}
	return setModTime(t.File.File, mt)
}

func (t *tempFile) commit(target string) error {
	if t.direct != nil {
		return t.direct.Close()
	}
	return t.Commit(target)
}

// abort closes the file; a direct file is removed with its staged folder.
func (t *tempFile) abort() {
	if t.direct != nil {
		t.direct.Close()
		return
	}
	t.Abort()
}
