package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func decodeLines(t *testing.T, out []byte) []Envelope {
	t.Helper()
	var envs []Envelope
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var e Envelope
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		envs = append(envs, e)
	}
	return envs
}

func TestExitCodesFollowKinds(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil is success", nil, 0},
		{"usage", Usagef("X", "bad"), 2},
		{"network", New(KindNetwork, "X", "down"), 3},
		{"http status", New(KindHTTPStatus, "X", "404"), 4},
		{"archive", New(KindArchive, "X", "bad zip"), 5},
		{"local", New(KindLocal, "X", "disk full"), 6},
		{"partial", New(KindPartial, "X", "2 failed"), 7},
		{"interrupted", New(KindInterrupted, "X", "stop"), 130},
		{"wrapped kind survives", fmt.Errorf("context: %w", New(KindArchive, "X", "bad")), 5},
		{"cancellation is an interruption", fmt.Errorf("copy: %w", context.Canceled), 130},
		{"unclassified is internal", fmt.Errorf("boom"), 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExitCode(tc.err); got != tc.want {
				t.Errorf("ExitCode = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestErrorRecordCarriesIdCategoryTargetAndDetails(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, false)
	cause := fmt.Errorf("x509: certificate signed by unknown authority")
	w.Error(Wrap(KindNetwork, "CertificateUnknownAuthority", cause, "connect to host").
		WithTarget("https://host/").WithDetail("Host", "host"))
	envs := decodeLines(t, buf.Bytes())
	if len(envs) != 1 || envs[0].Stream != StreamError {
		t.Fatalf("records: %s", buf.Bytes())
	}
	data := envs[0].Data.(map[string]any)
	want := map[string]any{
		"ErrorId":      "CertificateUnknownAuthority",
		"Category":     "ConnectionError",
		"TargetObject": "https://host/",
		"ExitCode":     float64(3),
		"Message":      "connect to host: x509: certificate signed by unknown authority",
	}
	for k, v := range want {
		if data[k] != v {
			t.Errorf("%s = %v, want %v", k, data[k], v)
		}
	}
	if data["Details"].(map[string]any)["Host"] != "host" {
		t.Errorf("Details = %v", data["Details"])
	}
}

func TestProgressIsThrottledButCompletionAlwaysWritten(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, false)
	clock := time.Unix(1000, 0)
	w.now = func() time.Time { return clock }
	m := w.NewMeter("Download", "file.bin", 1000)
	m.now = w.now
	for i := 0; i < 100; i++ { // 100 updates within 99 ms
		m.Add(10)
		clock = clock.Add(time.Millisecond)
	}
	clock = clock.Add(time.Second)
	m.Add(0)
	m.Done()
	envs := decodeLines(t, buf.Bytes())
	if len(envs) != 3 {
		t.Fatalf("want the first record, one after the pause and the completion; got %d:\n%s", len(envs), buf.Bytes())
	}
	last := envs[2].Data.(map[string]any)
	if last["Completed"] != true || last["PercentComplete"] != float64(100) || last["Bytes"] != float64(1000) {
		t.Errorf("completion record %v", last)
	}
}

func TestVerboseOnlyWhenAsked(t *testing.T) {
	var quiet, loud bytes.Buffer
	NewWriter(&quiet, false).Verbosef("step %d", 1)
	NewWriter(&loud, true).Verbosef("step %d", 1)
	if quiet.Len() != 0 {
		t.Errorf("verbose record written without --verbose: %s", quiet.Bytes())
	}
	if !strings.Contains(loud.String(), `"Stream":"Verbose","Data":{"Message":"step 1"}`) {
		t.Errorf("verbose record: %s", loud.Bytes())
	}
}

func TestCredentialNeverMarshalsItsPassword(t *testing.T) {
	c := Credential{UserName: "alice", Password: "s3cret"}
	b, err := json.Marshal(struct{ C Credential }{c})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cret") || fmt.Sprint(c) != "alice" || fmt.Sprintf("%v", &c) == "" {
		t.Errorf("credential leaks: %s / %v", b, c)
	}
}

type sampleOptions struct {
	Uri        string
	Headers    []string
	TimeoutSec int
	Credential *Credential
}

func TestDecodeRequest(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr string
		check   func(*sampleOptions) bool
	}{
		{"keys match case-insensitively", `{"uri":"https://x/","TIMEOUTSEC":5}`, "",
			func(o *sampleOptions) bool { return o.Uri == "https://x/" && o.TimeoutSec == 5 }},
		{"byte order mark tolerated", "\xef\xbb\xbf{\"Uri\":\"u\"}", "",
			func(o *sampleOptions) bool { return o.Uri == "u" }},
		{"credential object", `{"Credential":{"UserName":"a","Password":"p"}}`, "",
			func(o *sampleOptions) bool { return o.Credential.UserName == "a" && o.Credential.Password == "p" }},
		{"unknown key named", `{"Urii":"x"}`, `unknown parameter "Urii"`, nil},
		{"wrong type named", `{"TimeoutSec":"soon"}`, "TimeoutSec must be int", nil},
		{"two objects", `{} {}`, "more than one", nil},
		{"empty", "  ", "held no JSON", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var o sampleOptions
			err := DecodeRequest(strings.NewReader(tc.in), &o)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || ExitCode(err) != 2 {
					t.Fatalf("err = %v, want exit 2 mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(&o) {
				t.Fatalf("err = %v, options %+v", err, o)
			}
		})
	}
}

func TestCheckProtocol(t *testing.T) {
	if err := CheckProtocol("^1.0"); err != nil {
		t.Errorf("^1.0: %v", err)
	}
	if err := CheckProtocol(">=2.0"); ExitCode(err) != 2 || AsError(err).ID != "ProtocolMismatch" {
		t.Errorf(">=2.0: %v", err)
	}
	if err := CheckProtocol("not a constraint"); AsError(err).ID != "BadProtocolConstraint" {
		t.Errorf("bad constraint: %v", err)
	}
}

func TestTextWriterRendersFieldsAndVerbose(t *testing.T) {
	var out, bar bytes.Buffer
	w := NewTextWriter(&out, &bar, true)
	w.Output("T", struct{ Name, Action string }{"procexp.exe", "Updated"})
	w.Verbosef("hello")
	w.Progress(ProgressRecord{Status: "x", PercentComplete: 50, Bytes: 2048})
	got := out.String()
	for _, want := range []string{"Action : Updated", "Name   : procexp.exe", "VERBOSE: hello"} {
		if !strings.Contains(got, want) {
			t.Errorf("text output lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(bar.String(), "2.0 KiB") {
		t.Errorf("progress bar: %q", bar.String())
	}
}
