//go:build !windows

package tlsconfig

// LocalSystem fails outside Windows: the settings this package reads exist
// only in the Windows registry.
func LocalSystem() (*System, error) {
	return nil, errWindowsOnly()
}
