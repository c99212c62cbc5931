package tlsconfig

import (
	"fmt"
	"time"
)

// WindowsVersion is what decides the rules: the build number, whether the
// operating system is 64-bit (two registry views) and, for naming only,
// whether it is a server edition.
type WindowsVersion struct {
	Major       uint32 `json:"Major"`
	Minor       uint32 `json:"Minor"`
	Build       uint32 `json:"Build"`
	ServicePack string `json:"ServicePack"`
	Server      bool   `json:"Server"`
	Is64Bit     bool   `json:"Is64BitOperatingSystem"`
}

// Builds that change the rules.
const (
	build7SP1  = 7601  // Windows 7 SP1, Server 2008 R2 SP1
	build8     = 9200  // Windows 8, Server 2012
	build81    = 9600  // Windows 8.1, Server 2012 R2
	build1809  = 17763 // Windows 10 1809, Server 2019
	build2022  = 20348 // Server 2022; Windows 11 is 22000 and later
	buildWin11 = 22000
)

// releases of Windows 10 and 11 by build number, for naming.
var releases = []struct {
	build  uint32
	client string
	server string
}{
	{10240, "Windows 10 1507", "Windows Server 2016 (preview)"},
	{10586, "Windows 10 1511", "Windows Server 2016 (preview)"},
	{14393, "Windows 10 1607", "Windows Server 2016"},
	{15063, "Windows 10 1703", "Windows Server 1703"},
	{16299, "Windows 10 1709", "Windows Server 1709"},
	{17134, "Windows 10 1803", "Windows Server 1803"},
	{17763, "Windows 10 1809", "Windows Server 2019"},
	{18362, "Windows 10 1903", "Windows Server 1903"},
	{18363, "Windows 10 1909", "Windows Server 1909"},
	{19041, "Windows 10 2004", "Windows Server 2004"},
	{19042, "Windows 10 20H2", "Windows Server 20H2"},
	{19043, "Windows 10 21H1", "Windows Server 20H2"},
	{19044, "Windows 10 21H2", "Windows Server 20H2"},
	{19045, "Windows 10 22H2", "Windows Server 20H2"},
	{20348, "", "Windows Server 2022"},
	{22000, "Windows 11 21H2", "Windows Server 2022"},
	{22621, "Windows 11 22H2", "Windows Server 2022"},
	{22631, "Windows 11 23H2", "Windows Server 2022"},
	{26100, "Windows 11 24H2", "Windows Server 2025"},
}

// Name is the marketing name, such as "Windows 7 SP1", "Windows Server
// 2012 R2" or "Windows 10 1803".
func (v WindowsVersion) Name() string {
	pick := func(client, server string) string {
		if v.Server {
			return server
		}
		return client
	}
	switch {
	case v.Major < 6 || (v.Major == 6 && v.Minor == 0):
		return fmt.Sprintf("Windows %d.%d (unsupported)", v.Major, v.Minor)
	case v.Major == 6 && v.Minor == 1:
		name := pick("Windows 7", "Windows Server 2008 R2")
		if v.Build >= build7SP1 {
			name += " SP1"
		}
		return name
	case v.Major == 6 && v.Minor == 2:
		return pick("Windows 8", "Windows Server 2012")
	case v.Major == 6 && v.Minor == 3:
		return pick("Windows 8.1", "Windows Server 2012 R2")
	}
	name := fmt.Sprintf("Windows %d build %d", v.Major, v.Build)
	for _, r := range releases {
		if n := pick(r.client, r.server); v.Build >= r.build && n != "" {
			name = n
		}
	}
	return name
}

// String is the dotted version, such as 6.1.7601.
func (v WindowsVersion) String() string {
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Build)
}

// System is what the commands use of the machine, so that tests can hand
// them a fake one.
type System struct {
	Registry Registry
	Version  WindowsVersion
	// Elevated reports whether this process may write under HKLM.
	Elevated func() (bool, error)
	// BackupDir is where backups go unless a file is named.
	BackupDir string
	Now       func() time.Time
}
