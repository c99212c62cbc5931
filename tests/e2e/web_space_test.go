package e2e

import (
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// TestWebDownloadOntoAFullDiskLosesNothing downloads 2 MiB over a file on a
// 1 MiB tmpfs: exit 6, the old file intact, no temporary file left.
func TestWebDownloadOntoAFullDiskLosesNothing(t *testing.T) {
	vol := testenv.SmallVolume(t, "1m")

	body := make([]byte, 2<<20)
	rand.New(rand.NewSource(5)).Read(body)
	ca := testenv.NewCA(t)
	srv := testenv.TLSServer(t, ca, 0, 0, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}))
	outFile := filepath.Join(vol, "tool.exe")
	if err := os.WriteFile(outFile, []byte("the old tool"), 0o644); err != nil {
		t.Fatal(err)
	}

	res := testenv.Run(t, "", "", nil, "web", "--uri", srv.URL+"/tool.exe", "--ca-file", ca.CertFile,
		"--out-file", outFile, "--no-proxy")
	if res.ExitCode != 6 {
		t.Fatalf("exit %d, want 6 (local failure): %s", res.ExitCode, res.Stdout)
	}
	if rec := lastError(t, res); rec["TargetObject"] != outFile || rec["Category"] != "WriteError" {
		t.Errorf("the error record does not name the file as a write error: %v", rec)
	}
	if got, _ := os.ReadFile(outFile); string(got) != "the old tool" {
		t.Errorf("the old file was damaged: %d bytes", len(got))
	}
	if left := listAll(t, vol); len(left) != 2 { // the volume root and tool.exe
		t.Errorf("the volume holds %q, want only tool.exe", left)
	}
}
