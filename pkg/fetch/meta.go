package fetch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// metaPath is where the record of a partial file lives.
func metaPath(partial string) string {
	return strings.TrimSuffix(partial, PartialSuffix) + metaSuffix
}

func readMeta(partial string) (partialMeta, bool) {
	var m partialMeta
	data, err := os.ReadFile(metaPath(partial))
	if err != nil || json.Unmarshal(data, &m) != nil {
		return partialMeta{}, false
	}
	return m, true
}

func writeMeta(partial string, m partialMeta) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	path := metaPath(partial)
	f, err := safefile.Create(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit(path)
}

// setTotal tells an optional meter the size, when it is known.
func setTotal(m *bridge.Meter, total int64) {
	if m != nil && total > 0 {
		m.SetTotal(total)
	}
}
