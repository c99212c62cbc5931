//go:build windows

package mirror

import "golang.org/x/sys/windows"

// hideFolder sets the hidden attribute, which Explorer and dir honour; the
// leading dot alone hides nothing on Windows.
func hideFolder(path string) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return
	}
	attrs, err := windows.GetFileAttributes(p)
	if err != nil {
		return
	}
	windows.SetFileAttributes(p, attrs|windows.FILE_ATTRIBUTE_HIDDEN)
}
