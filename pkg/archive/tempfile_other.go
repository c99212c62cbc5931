//go:build !linux

package archive

import (
	"time"

	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// tempFile is a file being written under a temporary name beside its
// target: a safefile.File, whose commit also replaces running executables
// on Windows.
type tempFile struct {
	*safefile.File
}

func createTemp(dir, base string) (*tempFile, error) {
	f, err := safefile.Create(dir, base)
	if err != nil {
		return nil, err
	}
	return &tempFile{f}, nil
}

func (t *tempFile) setModTime(mt time.Time) error { return setModTime(t.File.File, mt) }

func (t *tempFile) commit(target string) error { return t.Commit(target) }

func (t *tempFile) abort() { t.Abort() }
