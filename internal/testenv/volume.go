package testenv

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// SmallVolume mounts a tmpfs of the given size ("1m") on a new folder for
// the test, so a full disk can be met for real; it is unmounted when the
// test ends. Mounting needs root on Linux: elsewhere the test is skipped
// (failed under CI).
func SmallVolume(t testing.TB, size string) string {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		Missing(t, "a small volume needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		Missing(t, "cannot mount a tmpfs: "+string(out))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}
