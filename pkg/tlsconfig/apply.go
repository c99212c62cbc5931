package tlsconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// BackupFormat identifies a backup file and its version.
const BackupFormat = "SysUpdate.TlsBackup/1"

// Backup is the file enable writes before changing anything: every value
// it is about to touch, present or absent, so restore can put each back.
type Backup struct {
	Format         string        `json:"Format"`
	Created        string        `json:"Created"` // RFC 3339, UTC
	Windows        string        `json:"Windows"`
	WindowsVersion string        `json:"WindowsVersion"`
	Values         []BackupValue `json:"Values"`
	// CreatedKeys are the keys enable had to create, deepest first; restore
	// removes each that is empty again.
	CreatedKeys []BackupKey `json:"CreatedKeys"`
}

// BackupKey is a registry key that did not exist before enable.
type BackupKey struct {
	Path string `json:"Path"`
	View View   `json:"View"`
	Key  string `json:"Key"`
}

// BackupValue is one value as it was before enable changed it.
type BackupValue struct {
	Path    string  `json:"Path"` // the key as regedit shows it, for a person
	View    View    `json:"View"`
	Key     string  `json:"Key"`
	Name    string  `json:"Name"`
	Present bool    `json:"Present"`
	Data    *uint32 `json:"Data"` // null when absent
}

// ChangeResult is the payload of the SysUpdate.TlsChange record that enable
// and restore write.
type ChangeResult struct {
	Action     string    `json:"Action"` // Enable or Restore
	WhatIf     bool      `json:"WhatIf"`
	Changed    bool      `json:"Changed"`    // whether any value was written
	BackupFile string    `json:"BackupFile"` // written by enable, read by restore; empty when none
	Changes    []Change  `json:"Changes"`    // made, or that would be made with WhatIf
	Message    string    `json:"Message"`
	Consumers  []Verdict `json:"Consumers"` // the verdicts after the changes
}

// EnableOptions are the parameters of tls enable.
type EnableOptions struct {
	WhatIf         bool   `json:"WhatIf" help:"only report the changes that would be made"`
	Backup         string `json:"Backup" help:"write the backup to this new file (default: a new time-stamped file under %ProgramData%\\SysUpdate)"`
	IncludeWinhttp bool   `json:"IncludeWinhttp" help:"also set WinHTTP's DefaultSecureProtocols to TLS 1.1 and 1.2 in both registry views"`
}

// RestoreOptions are the parameters of tls restore.
type RestoreOptions struct {
	Backup string `json:"Backup" help:"the backup file written by 'sysupdate tls enable'"`
	WhatIf bool   `json:"WhatIf" help:"only report the changes that would be made"`
}

// Enable applies the changes the verdicts list: those for Windows
// PowerShell and .NET, and WinHTTP's when asked. It writes the backup
// before the first change.
func Enable(sys *System, opts *EnableOptions) (ChangeResult, error) {
	res := ChangeResult{Action: "Enable", WhatIf: opts.WhatIf, Changes: []Change{}}
	status, vals, err := ReadStatus(sys)
	if err != nil {
		return res, err
	}
	var notes []string
	for _, v := range status.Consumers {
		if v.Consumer == ConsumerWinHTTP && !opts.IncludeWinhttp {
			continue
		}
		res.Changes = appendNew(res.Changes, v.Changes...)
		notes = append(notes, v.Notes...)
		for _, b := range v.Blockers {
			notes = append(notes, "still blocked: "+b)
		}
	}
	res.Consumers = status.Consumers
	if len(res.Changes) == 0 {
		res.Message = "nothing to change: every value the verdicts call for is already set"
		res.Message = withNotes(res.Message, notes)
		return res, nil
	}
	if opts.WhatIf {
		res.Message = withNotes(fmt.Sprintf("what if: %d values would change; nothing was written", len(res.Changes)), notes)
		res.Consumers = Evaluate(sys.Version, applied(vals, res.Changes))
		return res, nil
	}
	if err := requireElevated(sys); err != nil {
		return res, err
	}

	backup := Backup{
		Format:         BackupFormat,
		Created:        sys.Now().UTC().Format("2006-01-02T15:04:05Z"),
		Windows:        sys.Version.Name(),
		WindowsVersion: sys.Version.String(),
	}
	for _, c := range res.Changes {
		backup.Values = append(backup.Values, BackupValue{Path: c.Path, View: c.View, Key: c.Key,
			Name: c.Name, Present: c.Old != nil, Data: c.Old})
	}
	backup.CreatedKeys, err = missingKeys(sys.Registry, res.Changes)
	if err != nil {
		return res, err
	}
	res.BackupFile, err = writeBackup(sys, opts.Backup, &backup)
	if err != nil {
		return res, err
	}

	if err := apply(sys.Registry, res.Changes, res.BackupFile); err != nil {
		return res, err
	}
	res.Changed = true
	res.Message = withNotes(fmt.Sprintf("%d values changed; undo with: sysupdate tls restore --backup \"%s\"",
		len(res.Changes), res.BackupFile), notes)
	after, _, err := ReadStatus(sys)
	if err != nil {
		return res, err
	}
	res.Consumers = after.Consumers
	return res, nil
}

// Restore puts every value of a backup back as it was, deleting those that
// were absent.
func Restore(sys *System, opts *RestoreOptions) (ChangeResult, error) {
	res := ChangeResult{Action: "Restore", WhatIf: opts.WhatIf, BackupFile: opts.Backup, Changes: []Change{}}
	if opts.Backup == "" {
		return res, bridge.Usagef("BackupRequired", "restore needs --backup FILE, the file 'sysupdate tls enable' wrote")
	}
	backup, err := readBackup(opts.Backup)
	if err != nil {
		return res, err
	}
	allowed := map[ValueRef]bool{}
	for _, ref := range Watched(sys.Version) {
		if ref.Name != ValueRelease {
			allowed[ref] = true
		}
	}
	for _, bv := range backup.Values {
		ref := ValueRef{bv.View, bv.Key, bv.Name}
		if !allowed[ref] || bv.Present != (bv.Data != nil) {
			return res, bridge.Usagef("BackupInvalid", "%s: the value %s\\%s is not one this command manages on %s, "+
				"or its data does not match Present", opts.Backup, RegistryPath(bv.View, bv.Key), bv.Name,
				sys.Version.Name()).WithTarget(opts.Backup)
		}
		old, present, err := sys.Registry.GetDWORD(bv.View, bv.Key, bv.Name)
		if err != nil {
			return res, registryError("RegistryReadFailed", err, "read %s\\%s", RegistryPath(bv.View, bv.Key), bv.Name)
		}
		var oldp *uint32
		if present {
			oldp = &old
		}
		if equalData(oldp, bv.Data) {
			continue
		}
		res.Changes = append(res.Changes, Change{Path: RegistryPath(bv.View, bv.Key), View: bv.View, Key: bv.Key,
			Name: bv.Name, Old: oldp, New: bv.Data, Reason: "as recorded in the backup of " + backup.Created})
	}
	for _, k := range backup.CreatedKeys {
		if !managedKey(sys.Version, k) {
			return res, bridge.Usagef("BackupInvalid", "%s: the key %s is not one this command manages on %s",
				opts.Backup, RegistryPath(k.View, k.Key), sys.Version.Name()).WithTarget(opts.Backup)
		}
	}
	if len(res.Changes) == 0 && len(backup.CreatedKeys) == 0 {
		res.Message = "nothing to change: every value is already as the backup recorded it"
	} else if opts.WhatIf {
		res.Message = fmt.Sprintf("what if: %d values would be restored; nothing was written", len(res.Changes))
	} else {
		if err := requireElevated(sys); err != nil {
			return res, err
		}
		if err := apply(sys.Registry, res.Changes, ""); err != nil {
			return res, err
		}
		res.Changed = len(res.Changes) > 0
		res.Message = fmt.Sprintf("%d values restored", len(res.Changes))
		var kept []string
		for _, k := range backup.CreatedKeys {
			deleted, err := sys.Registry.DeleteEmptyKey(k.View, k.Key)
			if err != nil {
				return res, registryError("RegistryWriteFailed", err, "remove the key %s that enable created",
					RegistryPath(k.View, k.Key))
			}
			if deleted {
				res.Changed = true
			} else if ok, _ := sys.Registry.KeyExists(k.View, k.Key); ok {
				kept = append(kept, RegistryPath(k.View, k.Key))
			}
		}
		if len(kept) > 0 {
			res.Message += "; kept keys that enable created but that hold other values now: " + strings.Join(kept, ", ")
		}
	}
	status, _, err := ReadStatus(sys)
	if err != nil {
		return res, err
	}
	res.Consumers = status.Consumers
	return res, nil
}

func equalData(a, b *uint32) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// appendNew appends the changes not already listed: two consumers may call
// for the same value.
func appendNew(list []Change, changes ...Change) []Change {
	for _, c := range changes {
		dup := false
		for _, d := range list {
			if d.View == c.View && strings.EqualFold(d.Key, c.Key) && strings.EqualFold(d.Name, c.Name) {
				dup = true
			}
		}
		if !dup {
			list = append(list, c)
		}
	}
	return list
}

func withNotes(msg string, notes []string) string {
	if len(notes) == 0 {
		return msg
	}
	return msg + "; " + strings.Join(notes, "; ")
}

func requireElevated(sys *System) error {
	elevated, err := sys.Elevated()
	if err != nil {
		return bridge.Wrap(bridge.KindLocal, "ElevationUnknown", err, "check for administrator rights")
	}
	if !elevated {
		return bridge.New(bridge.KindLocal, "NotAdministrator",
			"changing the TLS settings under HKLM needs administrator rights: run sysupdate from an elevated prompt "+
				"(Run as administrator); nothing was changed").WithCategory("PermissionDenied")
	}
	return nil
}

// apply writes the changes in order. On a failure it says how far it got
// and how to undo.
func apply(reg Registry, changes []Change, backupFile string) error {
	for i, c := range changes {
		var err error
		if c.New == nil {
			err = reg.DeleteValue(c.View, c.Key, c.Name)
		} else {
			err = reg.SetDWORD(c.View, c.Key, c.Name, *c.New)
		}
		if err != nil {
			e := registryError("RegistryWriteFailed", err, "write %s\\%s (%d of %d changes made before it)",
				c.Path, c.Name, i, len(changes))
			if e.Category == "ReadError" {
				e.Category = "WriteError"
			}
			if backupFile != "" && i > 0 {
				e.Message += fmt.Sprintf("; undo with: sysupdate tls restore --backup \"%s\"", backupFile)
			}
			return e.WithTarget(c.Path + `\` + c.Name)
		}
	}
	return nil
}

// writeBackup writes the backup to a file that did not exist before: to
// path when given, else to a new time-stamped file in the backup folder. An
// earlier backup is never overwritten, since it may be the only record of
// the values before a first run.
func writeBackup(sys *System, path string, b *Backup) (string, error) {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return "", bridge.Wrap(bridge.KindInternal, "BackupEncoding", err, "encode the backup")
	}
	data = append(data, '\n')
	if path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return "", bridge.Wrap(bridge.KindLocal, "BackupWriteFailed", err, "resolve %s", path)
		}
		return abs, createNew(abs, data)
	}
	if err := os.MkdirAll(sys.BackupDir, 0o755); err != nil {
		return "", bridge.Wrap(bridge.KindLocal, "BackupWriteFailed", err, "create the backup folder").
			WithTarget(sys.BackupDir)
	}
	stamp := sys.Now().UTC().Format("20060102T150405Z")
	for n := 1; n <= 100; n++ {
		name := "tls-backup-" + stamp + ".json"
		if n > 1 {
			name = fmt.Sprintf("tls-backup-%s-%d.json", stamp, n)
		}
		full := filepath.Join(sys.BackupDir, name)
		err := createNew(full, data)
		var be *bridge.Error
		if errors.As(err, &be) && be.ID == "BackupExists" {
			continue
		}
		return full, err
	}
	return "", bridge.New(bridge.KindLocal, "BackupWriteFailed",
		"could not find a free backup file name in %s", sys.BackupDir).WithTarget(sys.BackupDir)
}

// createNew writes data to a file that must not exist yet.
func createNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return bridge.New(bridge.KindLocal, "BackupExists",
			"the backup file %s exists already; an earlier backup is never overwritten, so name a new file", path).
			WithTarget(path).WithCategory("ResourceExists")
	}
	if err != nil {
		return bridge.Wrap(bridge.KindLocal, "BackupWriteFailed", err, "create the backup file").WithTarget(path)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return bridge.Wrap(bridge.KindLocal, "BackupWriteFailed", err, "write the backup file; nothing was changed").
			WithTarget(path)
	}
	return nil
}

func readBackup(path string) (*Backup, error) {
	f, err := os.Open(path)
	if err != nil {
		kind, id := bridge.KindLocal, "BackupReadFailed"
		if errors.Is(err, os.ErrNotExist) {
			kind, id = bridge.KindUsage, "BackupNotFound"
		}
		return nil, bridge.Wrap(kind, id, err, "open the backup").WithTarget(path)
	}
	defer f.Close()
	var b Backup
	dec := json.NewDecoder(io.LimitReader(f, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, bridge.Wrap(bridge.KindUsage, "BackupInvalid", err, "%s is not a backup written by sysupdate tls enable", path).
			WithTarget(path)
	}
	if b.Format != BackupFormat {
		return nil, bridge.Usagef("BackupInvalid", "%s has format %q; this sysupdate reads %q", path, b.Format, BackupFormat).
			WithTarget(path)
	}
	return &b, nil
}

// missingKeys lists the keys, and their missing parents, that the changes
// will create, deepest first.
func missingKeys(reg Registry, changes []Change) ([]BackupKey, error) {
	seen := map[string]bool{}
	var keys []BackupKey
	for _, c := range changes {
		for key := c.Key; strings.Contains(key, `\`); key = key[:strings.LastIndex(key, `\`)] {
			id := string(c.View) + "|" + strings.ToLower(key)
			if seen[id] {
				break
			}
			exists, err := reg.KeyExists(c.View, key)
			if err != nil {
				return nil, registryError("RegistryReadFailed", err, "read %s", RegistryPath(c.View, key))
			}
			if exists {
				break
			}
			seen[id] = true
			keys = append(keys, BackupKey{Path: RegistryPath(c.View, key), View: c.View, Key: key})
		}
	}
	sort.SliceStable(keys, func(i, j int) bool {
		return strings.Count(keys[i].Key, `\`) > strings.Count(keys[j].Key, `\`)
	})
	return keys, nil
}

// managedKey reports whether a key is one of the managed keys or one of
// their parents below the first two levels (such as SOFTWARE\Microsoft),
// which restore may remove when enable created it.
func managedKey(ver WindowsVersion, k BackupKey) bool {
	if strings.Count(k.Key, `\`) < 2 {
		return false
	}
	for _, ref := range Watched(ver) {
		if ref.View == k.View && (strings.EqualFold(ref.Key, k.Key) ||
			strings.HasPrefix(strings.ToLower(ref.Key), strings.ToLower(k.Key)+`\`)) {
			return true
		}
	}
	return false
}
