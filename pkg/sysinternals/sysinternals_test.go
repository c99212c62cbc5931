package sysinternals

import (
	"io"
	"reflect"
	"testing"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/mirror"
)

func TestEulaKeys(t *testing.T) {
	cases := []struct {
		file string
		want []string
	}{
		{"procexp64.exe", []string{"Process Explorer"}},
		{"procexp64a.exe", []string{"Process Explorer"}},
		{"ADExplorer.exe", []string{"Active Directory Explorer"}},
		{"ShareEnum.exe", []string{"Share Enum"}},
		{"Sysmon64.exe", []string{"System Monitor"}},
		{"autorunsc64.exe", []string{"AutoRuns"}},
		{"PsExec64.exe", []string{"PsExec"}},
		{"sigcheck.exe", []string{"sigcheck"}},
		{"Eula.txt", nil},
		{"procexp.chm", nil},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			if got := EulaKeys(tc.file); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("EulaKeys = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestResolveSource(t *testing.T) {
	cases := []struct {
		source string
		want   string // the source's type
		str    string
	}{
		{"", "*mirror.HTTPSource", "https://live.sysinternals.com/"},
		{"live", "*mirror.HTTPSource", "https://live.sysinternals.com/"},
		{"suite", "*mirror.ZipSource", "https://download.sysinternals.com/files/SysinternalsSuite.zip"},
		{"suite-nano", "*mirror.ZipSource", "https://download.sysinternals.com/files/SysinternalsSuite-Nano.zip"},
		{"Suite-ARM64", "*mirror.ZipSource", "https://download.sysinternals.com/files/SysinternalsSuite-ARM64.zip"},
		{"https://mirror.example/tools", "*mirror.HTTPSource", "https://mirror.example/tools/"},
		{"https://mirror.example/x/Suite.ZIP", "*mirror.ZipSource", "https://mirror.example/x/Suite.ZIP"},
		{".", "*mirror.FolderSource", "."},
	}
	for _, tc := range cases {
		t.Run(tc.source, func(t *testing.T) {
			src, err := ResolveSource(tc.source, mirror.NetOptions{}, bridge.NewWriter(io.Discard, false))
			if err != nil {
				t.Fatal(err)
			}
			if got := reflect.TypeOf(src).String(); got != tc.want || src.String() != tc.str {
				t.Errorf("got %s %s, want %s %s", got, src, tc.want, tc.str)
			}
		})
	}
	if _, err := ResolveSource("/no/such/folder", mirror.NetOptions{}, bridge.NewWriter(io.Discard, false)); err == nil {
		t.Error("a missing folder was accepted")
	}
}

func TestArchitectureFilter(t *testing.T) {
	cases := []struct {
		arch string
		file string
		keep bool
	}{
		{"x86", "procexp.exe", true},
		{"x86", "procexp64.exe", false},
		{"x86", "PROCEXP64A.EXE", false},
		{"x64", "procexp64.exe", true},
		{"x64", "procexp64a.exe", false},
		{"arm64", "procexp64a.exe", true},
		{"arm64", "procexp64.exe", true},
		{"x86", "Eula.txt", true},
	}
	for _, tc := range cases {
		t.Run(tc.arch+" "+tc.file, func(t *testing.T) {
			f, err := ArchitectureFilter(tc.arch)
			if err != nil {
				t.Fatal(err)
			}
			if keep := f(tc.file) == ""; keep != tc.keep {
				t.Errorf("keep = %v, want %v", keep, tc.keep)
			}
		})
	}
}
