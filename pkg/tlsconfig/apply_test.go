package tlsconfig

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// fakeSystem is a Windows 7 SP1 64-bit machine with .NET 4.8, some values
// already set by hand, and an elevated process.
func fakeSystem(t *testing.T) (*System, *MemoryRegistry) {
	t.Helper()
	reg := NewMemoryRegistry()
	for _, view := range []View{ViewNative, View32} {
		reg.CreateKey(view, KeyNetFramework)
		reg.CreateKey(view, `SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings`)
	}
	must(t, reg.SetDWORD(ViewNative, KeyNetSetup, ValueRelease, 528040))
	must(t, reg.SetDWORD(View32, KeyNetFramework, ValueStrongCrypto, 0))
	must(t, reg.SetDWORD(ViewNative, KeyWinHTTP, ValueSecureProtocols, 0x80))
	must(t, reg.SetDWORD(ViewNative, SchannelClientKey(Tls12), ValueDisabledByDefault, 1))
	reg.Writes = 0
	clock := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	return &System{
		Registry:  reg,
		Version:   win7,
		Elevated:  func() (bool, error) { return true, nil },
		BackupDir: filepath.Join(t.TempDir(), "SysUpdate"),
		Now:       func() time.Time { return clock },
	}, reg
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestEnableThenRestoreRoundTrip(t *testing.T) {
	sys, reg := fakeSystem(t)
	before := reg.Dump()

	res, err := Enable(sys, &EnableOptions{IncludeWinhttp: true})
	must(t, err)
	if !res.Changed || len(res.Changes) != 8 || res.BackupFile == "" {
		t.Fatalf("enable: changed %v, %d changes, backup %q: %s", res.Changed, len(res.Changes), res.BackupFile, res.Message)
	}
	if reg.Writes != 8 {
		t.Errorf("%d registry writes, want 8", reg.Writes)
	}
	for _, v := range res.Consumers {
		if v.Verdict != Ready {
			t.Errorf("after enable %s is %s: %s", v.Consumer, v.Verdict, v.Reason)
		}
	}
	if got, _, _ := reg.GetDWORD(ViewNative, KeyWinHTTP, ValueSecureProtocols); got != 0xA80 {
		t.Errorf("WinHTTP native = %#x, want the old TLS 1.0 bit kept: 0xa80", got)
	}

	backup, err := readBackup(res.BackupFile)
	must(t, err)
	if len(backup.Values) != 8 {
		t.Errorf("backup holds %d values, want every value touched", len(backup.Values))
	}
	absent := 0
	for _, v := range backup.Values {
		if !v.Present {
			absent++
		}
	}
	if absent != 5 {
		t.Errorf("backup records %d absent values, want 5: %+v", absent, backup.Values)
	}

	res, err = Restore(sys, &RestoreOptions{Backup: res.BackupFile})
	must(t, err)
	if !res.Changed || len(res.Changes) != 8 {
		t.Errorf("restore: changed %v, %d changes", res.Changed, len(res.Changes))
	}
	if after := reg.Dump(); !reflect.DeepEqual(after, before) {
		t.Errorf("restore did not bring the registry back:\nbefore %v\n after %v", before, after)
	}
}

func TestEnableTwiceChangesNothingTheSecondTime(t *testing.T) {
	sys, reg := fakeSystem(t)
	_, err := Enable(sys, &EnableOptions{})
	must(t, err)
	writes := reg.Writes

	res, err := Enable(sys, &EnableOptions{})
	must(t, err)
	if res.Changed || len(res.Changes) != 0 || res.BackupFile != "" || reg.Writes != writes {
		t.Errorf("second enable: changed %v, %d changes, backup %q, %d writes", res.Changed, len(res.Changes),
			res.BackupFile, reg.Writes-writes)
	}
	if res.Message == "" || res.Message[:17] != "nothing to change" {
		t.Errorf("message %q", res.Message)
	}
	files, _ := os.ReadDir(sys.BackupDir)
	if len(files) != 1 {
		t.Errorf("%d backup files, want only the first run's", len(files))
	}
}

func TestEnableWithoutWinHTTPLeavesWinHTTPAlone(t *testing.T) {
	sys, reg := fakeSystem(t)
	_, err := Enable(sys, &EnableOptions{})
	must(t, err)
	if got, _, _ := reg.GetDWORD(ViewNative, KeyWinHTTP, ValueSecureProtocols); got != 0x80 {
		t.Errorf("WinHTTP changed to %#x without --include-winhttp", got)
	}
	if _, ok, _ := reg.GetDWORD(View32, KeyWinHTTP, ValueSecureProtocols); ok {
		t.Error("WinHTTP 32-bit value written without --include-winhttp")
	}
}

func TestEnableWhatIfWritesNothing(t *testing.T) {
	sys, reg := fakeSystem(t)
	res, err := Enable(sys, &EnableOptions{WhatIf: true, IncludeWinhttp: true})
	must(t, err)
	if res.Changed || len(res.Changes) != 8 || reg.Writes != 0 || res.BackupFile != "" {
		t.Errorf("what-if: changed %v, %d changes, %d writes, backup %q", res.Changed, len(res.Changes), reg.Writes, res.BackupFile)
	}
	if _, err := os.Stat(sys.BackupDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("what-if made the backup folder: %v", err)
	}
	for _, v := range res.Consumers {
		if v.Verdict != Ready {
			t.Errorf("what-if predicts %s %s", v.Consumer, v.Verdict)
		}
	}
}

func TestEnableNeverOverwritesABackup(t *testing.T) {
	t.Run("default name taken", func(t *testing.T) {
		sys, _ := fakeSystem(t)
		must(t, os.MkdirAll(sys.BackupDir, 0o755))
		taken := filepath.Join(sys.BackupDir, "tls-backup-20260301T100000Z.json")
		must(t, os.WriteFile(taken, []byte("earlier"), 0o644))

		res, err := Enable(sys, &EnableOptions{})
		must(t, err)
		if res.BackupFile != filepath.Join(sys.BackupDir, "tls-backup-20260301T100000Z-2.json") {
			t.Errorf("backup file %s", res.BackupFile)
		}
		if data, _ := os.ReadFile(taken); string(data) != "earlier" {
			t.Errorf("earlier backup overwritten: %q", data)
		}
	})
	t.Run("named file exists", func(t *testing.T) {
		sys, reg := fakeSystem(t)
		named := filepath.Join(t.TempDir(), "mine.json")
		must(t, os.WriteFile(named, []byte("earlier"), 0o644))

		_, err := Enable(sys, &EnableOptions{Backup: named})
		if bridge.ExitCode(err) != bridge.ExitLocal || bridge.AsError(err).ID != "BackupExists" {
			t.Fatalf("error %v (exit %d), want BackupExists, exit 6", err, bridge.ExitCode(err))
		}
		if reg.Writes != 0 {
			t.Errorf("%d registry writes after the backup failed", reg.Writes)
		}
		if data, _ := os.ReadFile(named); string(data) != "earlier" {
			t.Errorf("earlier backup overwritten: %q", data)
		}
	})
}

func TestEnableWithoutAdministratorRights(t *testing.T) {
	t.Run("token not elevated", func(t *testing.T) {
		sys, reg := fakeSystem(t)
		sys.Elevated = func() (bool, error) { return false, nil }
		_, err := Enable(sys, &EnableOptions{})
		if bridge.ExitCode(err) != 6 || bridge.AsError(err).ID != "NotAdministrator" {
			t.Fatalf("error %v (exit %d)", err, bridge.ExitCode(err))
		}
		if reg.Writes != 0 {
			t.Errorf("%d writes", reg.Writes)
		}
		if _, err := os.Stat(sys.BackupDir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a backup was written although nothing could change: %v", err)
		}
	})
	t.Run("write refused", func(t *testing.T) {
		sys, reg := fakeSystem(t)
		reg.Deny = true
		_, err := Enable(sys, &EnableOptions{})
		e := bridge.AsError(err)
		if bridge.ExitCode(err) != 6 || e.ID != "NotAdministrator" || e.Category != "PermissionDenied" {
			t.Fatalf("error %v (exit %d, %s, %s)", err, bridge.ExitCode(err), e.ID, e.Category)
		}
	})
}

func TestRestoreRefusesValuesItDoesNotManage(t *testing.T) {
	sys, reg := fakeSystem(t)
	file := filepath.Join(t.TempDir(), "forged.json")
	must(t, os.WriteFile(file, []byte(`{"Format":"SysUpdate.TlsBackup/1","Created":"x","Windows":"x","WindowsVersion":"x",
		"Values":[{"Path":"x","View":"Native","Key":"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run","Name":"Evil","Present":true,"Data":1}]}`), 0o644))
	_, err := Restore(sys, &RestoreOptions{Backup: file})
	if bridge.ExitCode(err) != 2 || bridge.AsError(err).ID != "BackupInvalid" {
		t.Fatalf("error %v (exit %d)", err, bridge.ExitCode(err))
	}
	if reg.Writes != 0 {
		t.Errorf("%d writes", reg.Writes)
	}
}

func TestRestoreOfAMissingBackupIsAUsageError(t *testing.T) {
	sys, _ := fakeSystem(t)
	_, err := Restore(sys, &RestoreOptions{Backup: filepath.Join(t.TempDir(), "nope.json")})
	if bridge.ExitCode(err) != 2 || bridge.AsError(err).ID != "BackupNotFound" {
		t.Fatalf("error %v (exit %d)", err, bridge.ExitCode(err))
	}
}

func TestRestoreRemovesTheKeysEnableCreatedUnlessTheyHoldOtherValues(t *testing.T) {
	sys, reg := fakeSystem(t)
	tls12Parent := `SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2`
	res, err := Enable(sys, &EnableOptions{IncludeWinhttp: true})
	must(t, err)
	backup, err := readBackup(res.BackupFile)
	must(t, err)
	var created []string
	for _, k := range backup.CreatedKeys {
		created = append(created, string(k.View)+"|"+k.Key)
	}
	want := []string{"Wow6432Node|" + KeyWinHTTP}
	if !reflect.DeepEqual(created, want) {
		// The fake already holds TLS 1.2\Client (DisabledByDefault=1) and
		// the native WinHTTP key.
		t.Errorf("created keys %v, want %v", created, want)
	}

	must(t, reg.SetDWORD(View32, KeyWinHTTP, "SomethingElse", 7))
	res, err = Restore(sys, &RestoreOptions{Backup: res.BackupFile})
	must(t, err)
	if ok, _ := reg.KeyExists(View32, KeyWinHTTP); !ok {
		t.Error("restore removed a key that holds another value")
	}
	if ok, _ := reg.KeyExists(ViewNative, tls12Parent); !ok {
		t.Error("restore removed a key that existed before enable")
	}
}

func TestRestoreRemovesCreatedKeysDeepestFirst(t *testing.T) {
	sys, reg := fakeSystem(t)
	must(t, reg.DeleteValue(ViewNative, SchannelClientKey(Tls12), ValueDisabledByDefault))
	must(t, deleteKeys(reg, ViewNative, SchannelClientKey(Tls12), `SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2`))
	before := reg.Dump()

	res, err := Enable(sys, &EnableOptions{})
	must(t, err)
	backup, err := readBackup(res.BackupFile)
	must(t, err)
	if len(backup.CreatedKeys) != 2 || backup.CreatedKeys[0].Key != SchannelClientKey(Tls12) {
		t.Fatalf("created keys %+v", backup.CreatedKeys)
	}
	_, err = Restore(sys, &RestoreOptions{Backup: res.BackupFile})
	must(t, err)
	if after := reg.Dump(); !reflect.DeepEqual(after, before) {
		t.Errorf("restore left keys behind:\nbefore %v\n after %v", before, after)
	}
}

func deleteKeys(reg *MemoryRegistry, view View, keys ...string) error {
	for _, k := range keys {
		if ok, err := reg.DeleteEmptyKey(view, k); !ok || err != nil {
			return errors.New("could not remove " + k)
		}
	}
	return nil
}

func TestAValueOfAnotherTypeIsReportedAndNeverOverwritten(t *testing.T) {
	sys, reg := fakeSystem(t)
	reg.SetOtherType(View32, KeyNetFramework, ValueStrongCrypto, 1) // REG_SZ
	before := reg.Dump()

	status, _, err := ReadStatus(sys)
	must(t, err)
	if len(status.NotDWORD) != 1 || !strings.Contains(status.NotDWORD[0], `Wow6432Node\Microsoft\.NETFramework\v4.0.30319\SchUseStrongCrypto`) {
		t.Errorf("NotDWORD = %v", status.NotDWORD)
	}
	ps := status.Consumer(ConsumerPowerShell)
	if ps.Verdict != Blocked || !strings.Contains(ps.Reason, "type 1, not REG_DWORD") {
		t.Errorf("PowerShell %s: %s", ps.Verdict, ps.Reason)
	}

	res, err := Enable(sys, &EnableOptions{})
	must(t, err)
	for _, c := range res.Changes {
		if c.View == View32 && c.Name == ValueStrongCrypto {
			t.Errorf("enable overwrote the REG_SZ value")
		}
	}
	_, err = Restore(sys, &RestoreOptions{Backup: res.BackupFile})
	must(t, err)
	if after := reg.Dump(); !reflect.DeepEqual(after, before) {
		t.Errorf("round trip changed the registry:\nbefore %v\n after %v", before, after)
	}
}
