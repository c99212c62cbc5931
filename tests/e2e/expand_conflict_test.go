package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// conflictArchive writes an archive of three files and extracts nothing.
func conflictArchive(t *testing.T, work string) string {
	t.Helper()
	p := filepath.Join(work, "three.zip")
	writeZip(t, p, []zipEntry{
		{name: "keep/one.txt", content: []byte("one from the archive")},
		{name: "two.txt", content: []byte("two from the archive")},
		{name: "new/three.txt", content: []byte("three from the archive")},
	})
	return p
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestExpandWithoutForceReportsEachConflictAndExtractsTheRest pins
// Expand-Archive's behaviour without -Force: existing files keep their
// content, each gets a non-terminating error record, the others are
// extracted, and the run is partial (exit 7).
func TestExpandWithoutForceReportsEachConflictAndExtractsTheRest(t *testing.T) {
	work := t.TempDir()
	zipPath := conflictArchive(t, work)
	dest := filepath.Join(work, "dest")
	writeFile(t, filepath.Join(dest, "keep", "one.txt"), "mine")
	writeFile(t, filepath.Join(dest, "two.txt"), "also mine")

	res := expandRun(t, work, "--path", zipPath, "--destination-path", dest)
	if res.ExitCode != 7 {
		t.Fatalf("exit %d, want 7: %s", res.ExitCode, res.Stdout)
	}
	errs := only(parseRecords(t, res.Stdout), "Error")
	var conflicts []string
	for _, e := range errs[:len(errs)-1] {
		if e.Data["ErrorId"] != "ExpandFileExists" || e.Data["Category"] != "ResourceExists" {
			t.Errorf("conflict record %v", e.Data)
		}
		conflicts = append(conflicts, e.Data["TargetObject"].(string))
	}
	sort.Strings(conflicts)
	want := []string{filepath.Join(dest, "keep", "one.txt"), filepath.Join(dest, "two.txt")}
	if len(conflicts) != 2 || conflicts[0] != want[0] || conflicts[1] != want[1] {
		t.Errorf("conflict records for %q, want %q", conflicts, want)
	}
	if last := errs[len(errs)-1].Data; last["ErrorId"] != "ExpandPartial" || last["ExitCode"] != float64(7) {
		t.Errorf("terminating record %v", last)
	}
	if got := readFile(t, filepath.Join(dest, "keep", "one.txt")); got != "mine" {
		t.Errorf("an existing file was replaced without --force: %q", got)
	}
	if got := readFile(t, filepath.Join(dest, "two.txt")); got != "also mine" {
		t.Errorf("an existing file was replaced without --force: %q", got)
	}
	if got := readFile(t, filepath.Join(dest, "new", "three.txt")); got != "three from the archive" {
		t.Errorf("the file without a conflict was not extracted: %q", got)
	}
}

func TestExpandWithForceReplacesExistingFiles(t *testing.T) {
	work := t.TempDir()
	zipPath := conflictArchive(t, work)
	dest := filepath.Join(work, "dest")
	writeFile(t, filepath.Join(dest, "two.txt"), "mine")
	writeFile(t, filepath.Join(dest, "unrelated.txt"), "not in the archive")

	res := expandRun(t, work, "--path", zipPath, "--destination-path", dest, "--force")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
	if got := readFile(t, filepath.Join(dest, "two.txt")); got != "two from the archive" {
		t.Errorf("--force did not replace the file: %q", got)
	}
	if got := readFile(t, filepath.Join(dest, "unrelated.txt")); got != "not in the archive" {
		t.Errorf("a file outside the archive changed: %q", got)
	}
}

func TestExpandReportsFolderAndFileInTheWay(t *testing.T) {
	work := t.TempDir()
	zipPath := conflictArchive(t, work)
	dest := filepath.Join(work, "dest")
	// A folder where the archive has the file two.txt, a file where it
	// has the folder new/.
	if err := os.MkdirAll(filepath.Join(dest, "two.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dest, "new"), "a file named like a folder")

	res := expandRun(t, work, "--path", zipPath, "--destination-path", dest, "--force")
	if res.ExitCode != 7 {
		t.Fatalf("exit %d, want 7: %s", res.ExitCode, res.Stdout)
	}
	ids := map[string]bool{}
	for _, e := range only(parseRecords(t, res.Stdout), "Error") {
		ids[e.Data["ErrorId"].(string)] = true
	}
	if !ids["ExpandFolderInTheWay"] || !ids["ExpandFileInTheWay"] {
		t.Errorf("error ids %v, want ExpandFolderInTheWay and ExpandFileInTheWay", ids)
	}
	if got := readFile(t, filepath.Join(dest, "keep", "one.txt")); got != "one from the archive" {
		t.Errorf("the file without a conflict was not extracted: %q", got)
	}
}

// TestExpandPassThruDescribesEachFile checks the System.IO.FileInfo
// records against the files on disk.
func TestExpandPassThruDescribesEachFile(t *testing.T) {
	work := t.TempDir()
	zipPath := conflictArchive(t, work)
	dest := filepath.Join(work, "dest")
	res := expandRun(t, work, "--path", zipPath, "--destination-path", dest, "--pass-thru")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
	outputs := only(parseRecords(t, res.Stdout), "Output")
	if len(outputs) != 3 {
		t.Fatalf("want 3 records, got %d: %s", len(outputs), res.Stdout)
	}
	for _, o := range outputs {
		if o.Type != "System.IO.FileInfo" {
			t.Errorf("record type %q", o.Type)
		}
		full := o.Data["FullName"].(string)
		info, err := os.Stat(full)
		if err != nil {
			t.Errorf("FullName %s: %v", full, err)
			continue
		}
		if o.Data["Length"] != float64(info.Size()) || o.Data["Name"] != filepath.Base(full) ||
			o.Data["DirectoryName"] != filepath.Dir(full) {
			t.Errorf("record %v does not describe %s (%d bytes)", o.Data, full, info.Size())
		}
		stamp, err := time.Parse(time.RFC3339Nano, o.Data["LastWriteTimeUtc"].(string))
		if err != nil || !stamp.Equal(info.ModTime()) {
			t.Errorf("LastWriteTimeUtc %v, file modified %s", o.Data["LastWriteTimeUtc"], info.ModTime().UTC())
		}
	}
}

// TestExpandDefaultDestinationIsNamedAfterTheArchive follows
// Expand-Archive: no destination means a folder named after the archive,
// without its extension, in the current folder; any extension will do.
func TestExpandDefaultDestinationIsNamedAfterTheArchive(t *testing.T) {
	work := t.TempDir()
	p := filepath.Join(work, "bundle.v2.pkg")
	writeZip(t, p, []zipEntry{{name: "inside.txt", content: []byte("inside")}})
	cwd := filepath.Join(work, "cwd")
	if err := os.Mkdir(cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	res := expandRun(t, cwd, "--path", p)
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
	if got := readFile(t, filepath.Join(cwd, "bundle.v2", "inside.txt")); got != "inside" {
		t.Errorf("extracted %q", got)
	}
}

func TestExpandUsageErrors(t *testing.T) {
	work := t.TempDir()
	cases := []struct {
		name string
		args []string
		exit int
		id   string
	}{
		{"no path", nil, 2, "PathMissing"},
		{"unknown encoding", []string{"--path", "x.zip", "--filename-encoding", "klingon"}, 2, "UnknownFilenameEncoding"},
		{"missing archive", []string{"--path", filepath.Join(work, "absent.zip")}, 6, "ArchiveNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := expandRun(t, work, tc.args...)
			if res.ExitCode != tc.exit || lastError(t, res)["ErrorId"] != tc.id {
				t.Errorf("exit %d, want %d %s: %s", res.ExitCode, tc.exit, tc.id, res.Stdout)
			}
		})
	}
}
