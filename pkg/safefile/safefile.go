// Package safefile writes files so that a final path never holds a partial
// file: every write goes to a temporary file in the target's folder, which
// is renamed over the target only when complete.
//
// Temporary files and the aside copies of replaced running executables
// follow one recognizable naming pattern, so the leftovers of a killed run
// (no process can clean up after SIGKILL) are removed by the next run in
// that folder.
package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	// tempPrefix starts every temporary file name:
	// .sysupdate-tmp-<pid>-<random>-<target name>.
	tempPrefix = ".sysupdate-tmp-"
	// asidePrefix starts the name a running executable is renamed to before
	// it is replaced: .sysupdate-old-<random>-<target name>.
	asidePrefix = ".sysupdate-old-"
	// staleAfter is the age past which a temporary file is a leftover even
	// if a process with its recorded ID is running (the ID may be reused).
	staleAfter = 24 * time.Hour
)

// ErrInUse reports that a target could not be replaced because another
// process holds it open without delete sharing. The target is unchanged.
var ErrInUse = errors.New("safefile: file is in use by another process")

// File is a temporary file that becomes its target on Commit.
type File struct {
	*os.File
	done bool
}

// Create opens a new temporary file in dir for a target named base.
func Create(dir, base string) (*File, error) {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s%d-%s-%s", tempPrefix, os.Getpid(), hex.EncodeToString(rnd[:]), base)
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return &File{File: f}, nil
}

// IsTemp reports whether a file name follows the temporary or aside pattern.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, tempPrefix) || strings.HasPrefix(name, asidePrefix)
}

// Commit closes the file and renames it over target. When the target is a
// running executable on Windows, which cannot be overwritten but can be
// renamed, the old file is first renamed aside; CleanLeftovers removes it
// once it is no longer running. On failure the temporary file is removed
// and the target is untouched.
func (f *File) Commit(target string) error {
	if f.done {
		return errors.New("safefile: file already committed or aborted")
	}
	f.done = true
	tmp := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	err := os.Rename(tmp, target)
	if err == nil {
		return nil
	}
	if !renameBlocked(err) {
		os.Remove(tmp)
		return err
	}
	aside, asideErr := renameAside(target)
	if asideErr != nil {
		os.Remove(tmp)
		if renameBlocked(asideErr) {
			return fmt.Errorf("replace %s: %w", target, ErrInUse)
		}
		return asideErr
	}
	if err := os.Rename(tmp, target); err != nil {
		// Put the old file back so the target is not left missing.
		os.Rename(aside, target)
		os.Remove(tmp)
		return err
	}
	os.Remove(aside) // succeeds where the old file was not running after all
	return nil
}

// Abort closes and removes the temporary file. It is safe to call after
// Commit, so it can be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

func renameAside(target string) (string, error) {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	aside := filepath.Join(filepath.Dir(target),
		asidePrefix+hex.EncodeToString(rnd[:])+"-"+filepath.Base(target))
	return aside, os.Rename(target, aside)
}

// CleanLeftovers removes, from dir only (not its subfolders), the temporary
// files and staged folders of runs that no longer exist and the aside
// copies that are no longer running. It returns the names removed. A file
// that cannot be removed yet is left for a later run.
func CleanLeftovers(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if !IsTemp(name) {
			continue
		}
		if strings.HasPrefix(name, tempPrefix) && !isLeftover(name, e) {
			continue
		}
		remove := os.Remove
		if e.IsDir() {
			// A folder staged whole by an interrupted run (see
			// archive.Extract); aside copies are files only.
			if !strings.HasPrefix(name, tempPrefix) {
				continue
			}
			remove = os.RemoveAll
		}
		if remove(filepath.Join(dir, name)) == nil {
			removed = append(removed, name)
		}
	}
	return removed, nil
}

// isLeftover reports whether a temporary file belongs to a run that has
// ended: its process is gone, or the file is older than staleAfter.
func isLeftover(name string, e os.DirEntry) bool {
	rest := strings.TrimPrefix(name, tempPrefix)
	pidText, _, ok := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || pid <= 0 {
		return true
	}
	if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleAfter {
		return true
	}
	if pid == os.Getpid() {
		return false
	}
	return !processAlive(pid)
}
