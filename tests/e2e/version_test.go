package e2e

import (
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
)

func TestVersionRecord(t *testing.T) {
	res := testenv.Run(t, "", "", nil, "version")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	recs := parseRecords(t, res.Stdout)
	if len(recs) != 1 || recs[0].Type != "SysUpdate.VersionInfo" {
		t.Fatalf("want one SysUpdate.VersionInfo record, got %s", res.Stdout)
	}
	if recs[0].Data["Protocol"] != "1.0.0" {
		t.Errorf("Protocol = %v", recs[0].Data["Protocol"])
	}
	if len(res.Stderr) != 0 {
		t.Errorf("standard error is for crashes only, got %q", res.Stderr)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	cases := []struct {
		name  string
		stdin string
		args  []string
		id    string
		cat   string
	}{
		{"unknown command", "", []string{"frobnicate"}, "UnknownCommand", "InvalidArgument"},
		{"unknown flag", "", []string{"version", "--no-such-flag"}, "BadUsage", "InvalidArgument"},
		{"stray argument", "", []string{"version", "extra"}, "UnexpectedArgument", "InvalidArgument"},
		{"protocol mismatch", "", []string{"version", "--require-protocol", "^9.0"}, "ProtocolMismatch", "InvalidOperation"},
		{"unknown request key", `{"Bogus": 1}`, []string{"version", "--request", "-"}, "RequestInvalid", "InvalidArgument"},
		{"request not JSON", `{"RequireProtocol": `, []string{"version", "--request", "-"}, "RequestInvalid", "InvalidArgument"},
		{"empty request", ``, []string{"version", "--request", "-"}, "RequestEmpty", "InvalidArgument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := testenv.Run(t, tc.stdin, "", nil, tc.args...)
			if res.ExitCode != 2 {
				t.Fatalf("exit %d, want 2: %s", res.ExitCode, res.Stdout)
			}
			rec := lastError(t, res)
			if rec["ErrorId"] != tc.id || rec["Category"] != tc.cat {
				t.Errorf("error record %v, want ErrorId %s, Category %s", rec, tc.id, tc.cat)
			}
			if rec["ExitCode"] != float64(2) {
				t.Errorf("record ExitCode = %v", rec["ExitCode"])
			}
		})
	}
}

func TestRequestOnStdinIsOverriddenByFlags(t *testing.T) {
	// The request asks for an impossible protocol; the flag overrides it.
	res := testenv.Run(t, `{"RequireProtocol": "^9.0"}`, "", nil,
		"version", "--request", "-", "--require-protocol", "^1.0")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stdout)
	}
	res = testenv.Run(t, `{"requireprotocol": "^9.0"}`, "", nil, "version", "--request", "-")
	if res.ExitCode != 2 {
		t.Fatalf("request keys match case-insensitively, as PowerShell parameters do: exit %d", res.ExitCode)
	}
}

func TestLegacyWindowsBuildStartsUnderWine(t *testing.T) {
	res := testenv.RunWineLegacy(t, "", "", nil, "version")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	recs := parseRecords(t, res.Stdout)
	if len(recs) != 1 {
		t.Fatalf("want one record, got %s", res.Stdout)
	}
	d := recs[0].Data
	if d["OS"] != "windows" || d["Flavour"] != "legacy" || !strings.HasPrefix(d["GoVersion"].(string), "go1.") {
		t.Errorf("version under Wine: %v", d)
	}
}
