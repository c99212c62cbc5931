package tlsconfig

import (
	"os"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/sys/windows"
)

// LocalSystem describes this machine: its registry, its Windows version,
// whether this process is elevated and where backups go.
func LocalSystem() (*System, error) {
	info := windows.RtlGetVersion()
	ver := WindowsVersion{
		Major:  info.MajorVersion,
		Minor:  info.MinorVersion,
		Build:  info.BuildNumber,
		Server: info.ProductType != productTypeWorkstation,
		Is64Bit: runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" ||
			isWow64(),
		ServicePack: windows.UTF16ToString(info.CsdVersion[:]),
	}
	programData := os.Getenv("ProgramData")
	if programData == "" {
		programData = filepath.Join(os.Getenv("SystemDrive")+`\`, "ProgramData")
	}
	return &System{
		Registry:  SystemRegistry{},
		Version:   ver,
		Elevated:  isElevated,
		BackupDir: filepath.Join(programData, "SysUpdate"),
		Now:       time.Now,
	}, nil
}

// productTypeWorkstation is VER_NT_WORKSTATION; domain controllers and
// servers have other values.
const productTypeWorkstation = 1

// isWow64 reports whether this 32-bit process runs on 64-bit Windows.
func isWow64() bool {
	var wow64 bool
	if err := windows.IsWow64Process(windows.CurrentProcess(), &wow64); err != nil {
		return false
	}
	return wow64
}

// isElevated reports whether the process token is elevated, which writing
// under HKLM needs when User Account Control is on.
func isElevated() (bool, error) {
	return windows.GetCurrentProcessToken().IsElevated(), nil
}
