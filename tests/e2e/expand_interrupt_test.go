package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// bigArchive writes an archive of several large stored files, so that an
// extraction lasts long enough to be interrupted, and returns the contents
// by name.
func bigArchive(t *testing.T, path string) map[string][]byte {
	t.Helper()
	rnd := rand.New(rand.NewSource(7))
	contents := map[string][]byte{}
	var entries []zipEntry
	for i := 0; i < 8; i++ {
		data := make([]byte, 40<<20)
		rnd.Read(data)
		name := fmt.Sprintf("part%d/big%d.bin", i%2, i)
		contents[name] = data
		entries = append(entries, zipEntry{name: name, content: data, store: true})
	}
	writeZip(t, path, entries)
	return contents
}

// startAndSignal starts an extraction and sends sig as soon as a file
// being written holds data, that is mid-way through a file: a temporary
// file in the destination, or a file in the folder staged beside a new
// destination. It reports whether the signal came in time; false means
// the run ended first.
func startAndSignal(t *testing.T, zipPath, dest string, sig os.Signal) (exitCode int, stdout []byte, caught bool) {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), "expand", "--path", zipPath, "--destination-path", dest, "--force")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case <-done:
			return cmd.ProcessState.ExitCode(), out.Bytes(), false
		default:
		}
		if hasGrowingTemp(filepath.Dir(dest)) {
			cmd.Process.Signal(sig)
			<-done
			return exitStatus(cmd), out.Bytes(), true
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// exitStatus is the exit code, or 128+signal for a process killed by one.
func exitStatus(cmd *exec.Cmd) int {
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// hasGrowingTemp reports whether a file with data is being written under
// a temporary name anywhere below root.
func hasGrowingTemp(root string) bool {
	found := false
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found || d.IsDir() || !strings.Contains(p, "/.sysupdate-tmp-") {
			return nil
		}
		if info, err := d.Info(); err == nil && info.Size() > 0 {
			found = true
		}
		return nil
	})
	return found
}

// interruptModes are the two ways extraction places files: a new
// destination is staged whole beside its final path, an existing one gets
// each file through a temporary name of its own.
var interruptModes = []struct {
	name     string
	existing bool
}{
	{"into a new folder", false},
	{"into an existing folder", true},
}

// checkNoPartialFile fails if any final path holds anything but its whole
// content.
func checkNoPartialFile(t *testing.T, dest string, contents map[string][]byte) (complete int) {
	t.Helper()
	for name, want := range contents {
		got, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(name)))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s holds %d bytes that are not its content (%d bytes)", name, len(got), len(want))
		}
		complete++
	}
	return complete
}

// TestExpandKilledLeavesNoPartialFileAndNextRunCleansUp kills sysupdate
// with SIGKILL, which no process can catch, mid-way through a file: no
// final path may hold a partial file, and the next run must extract
// everything and leave no temporary file behind.
func TestExpandKilledLeavesNoPartialFileAndNextRunCleansUp(t *testing.T) {
	for _, mode := range interruptModes {
		t.Run(mode.name, func(t *testing.T) {
			work := t.TempDir()
			zipPath := filepath.Join(work, "big.zip")
			contents := bigArchive(t, zipPath)
			dest := filepath.Join(work, "out")

			var caught bool
			for attempt := 0; attempt < 5 && !caught; attempt++ {
				os.RemoveAll(dest)
				if mode.existing {
					os.Mkdir(dest, 0o755)
				}
				_, _, caught = startAndSignal(t, zipPath, dest, os.Kill)
			}
			if !caught {
				t.Fatal("every run finished before a temporary file appeared; cannot interrupt one")
			}
			checkNoPartialFile(t, dest, contents)
			if left := tempFilesUnder(t, work); len(left) == 0 {
				t.Fatal("the killed run left no temporary file: it was not stopped mid-way")
			}

			res := expandRun(t, work, "--path", zipPath, "--destination-path", dest, "--force", "--verbose")
			if res.ExitCode != 0 {
				t.Fatalf("the next run: exit %d: %s", res.ExitCode, res.Stdout)
			}
			if n := checkNoPartialFile(t, dest, contents); n != len(contents) {
				t.Errorf("the next run extracted %d of %d files", n, len(contents))
			}
			if left := tempFilesUnder(t, work); len(left) > 0 {
				t.Errorf("temporary files remain after the next run: %q", left)
			}
			if !verboseSays(t, res, "left by an interrupted run") {
				t.Errorf("no verbose record says leftovers were removed: %s", res.Stdout)
			}
		})
	}
}

// TestExpandInterruptedStopsCleanly sends SIGINT (Ctrl+C) mid-way: the run
// ends with exit 130, an Interrupted record, and no temporary or partial
// file.
func TestExpandInterruptedStopsCleanly(t *testing.T) {
	for _, mode := range interruptModes {
		t.Run(mode.name, func(t *testing.T) {
			work := t.TempDir()
			zipPath := filepath.Join(work, "big.zip")
			contents := bigArchive(t, zipPath)
			dest := filepath.Join(work, "out")

			var (
				code   int
				stdout []byte
				caught bool
			)
			for attempt := 0; attempt < 5 && !caught; attempt++ {
				os.RemoveAll(dest)
				if mode.existing {
					os.Mkdir(dest, 0o755)
				}
				code, stdout, caught = startAndSignal(t, zipPath, dest, os.Interrupt)
			}
			if !caught {
				t.Fatal("every run finished before a temporary file appeared; cannot interrupt one")
			}
			if code != 130 {
				t.Fatalf("exit %d, want 130: %s", code, stdout)
			}
			if rec := lastError(t, testenv.Result{Stdout: stdout}); rec["ErrorId"] != "Interrupted" {
				t.Errorf("terminating record %v", rec)
			}
			checkNoPartialFile(t, dest, contents)
			if left := tempFilesUnder(t, work); len(left) > 0 {
				t.Errorf("temporary files remain after an interrupted run: %q", left)
			}
			if _, err := os.Stat(dest); !mode.existing && !os.IsNotExist(err) {
				t.Errorf("an interrupted extraction into a new folder left the folder: %v", err)
			}
		})
	}
}
