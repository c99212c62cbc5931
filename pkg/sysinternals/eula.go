package sysinternals

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// eulaKeys maps a tool (its file name without .exe and without the 64 or
// 64a suffix, lower case) to the subkeys of HKCU\Software\Sysinternals in
// which it looks for EulaAccepted. Registry names ignore case, so only the
// tools whose key is not their file name are listed; the others use their
// name. Keys marked uncertain were not confirmed against the tool itself:
// both plausible keys are written, which costs an unused key at worst.
//
// TODO: confirm the uncertain keys by running each tool on Windows and
// watching which key it reads; a wrong guess means that tool still shows
// its license dialog once.
var eulaKeys = map[string][]string{
	"procexp":     {"Process Explorer"},
	"procmon":     {"Process Monitor", "Procmon"}, // uncertain: newer builds are reported to use Procmon
	"adexplorer":  {"Active Directory Explorer"},
	"shareenum":   {"Share Enum"},
	"sysmon":      {"System Monitor"},
	"autorunsc":   {"AutoRuns"},
	"tcpvcon":     {"TCPView", "Tcpvcon"},        // uncertain
	"loadord":     {"LoadOrder"},                 // uncertain
	"loadordc":    {"LoadOrder", "LoadOrdC"},     // uncertain
	"pendmoves":   {"PendMove", "PendMoves"},     // uncertain
	"notmyfaultc": {"NotMyFault", "NotMyFaultc"}, // uncertain
	"adinsight":   {"ADInsight"},
	"dbgview":     {"DbgView"},
	"psloglist":   {"PsLoglist"},
}

// EulaKeys returns the registry subkeys a program named file reads, or nil
// when file is not a program.
func EulaKeys(file string) []string {
	name := strings.ToLower(file)
	if !strings.HasSuffix(name, ".exe") {
		return nil
	}
	base := strings.TrimSuffix(file, filepath.Ext(file))
	lower := strings.ToLower(base)
	switch {
	case strings.HasSuffix(lower, "64a"):
		base = base[:len(base)-3]
	case strings.HasSuffix(lower, "64"):
		base = base[:len(base)-2]
	}
	if keys, ok := eulaKeys[strings.ToLower(base)]; ok {
		return keys
	}
	return []string{base}
}

// toolKeys lists the keys for every program in dir, sorted.
func toolKeys(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var keys []string
	for _, de := range des {
		if de.IsDir() {
			continue
		}
		for _, k := range EulaKeys(de.Name()) {
			if !seen[strings.ToLower(k)] {
				seen[strings.ToLower(k)] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys, nil
}
