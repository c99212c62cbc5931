// Package e2e runs the built sysupdate executable as the PowerShell module
// does, and checks its records and exit codes.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

// record is one decoded line of standard output.
type record struct {
	Stream string
	Type   string
	Data   map[string]any
}

// parseRecords decodes NDJSON output, failing on any line that is not a
// record: standard output is data only.
func parseRecords(t *testing.T, out []byte) []record {
	t.Helper()
	var recs []record
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 4<<20), 4<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("standard output line is not a record: %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

// only returns the records of one stream.
func only(recs []record, stream string) []record {
	var out []record
	for _, r := range recs {
		if r.Stream == stream {
			out = append(out, r)
		}
	}
	return out
}

// lastError returns the terminating error record, failing if there is none.
func lastError(t *testing.T, res testenv.Result) map[string]any {
	t.Helper()
	errs := only(parseRecords(t, res.Stdout), "Error")
	if len(errs) == 0 {
		t.Fatalf("no error record (exit %d): %s", res.ExitCode, res.Stdout)
	}
	return errs[len(errs)-1].Data
}
