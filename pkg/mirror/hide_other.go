//go:build !windows

package mirror

// hideFolder does nothing where a leading dot already hides a folder.
func hideFolder(string) {}
