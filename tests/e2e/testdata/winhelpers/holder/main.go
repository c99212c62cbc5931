// Command holder opens a file the way some programs do, sharing read
// access but not delete access, writes a marker file, and keeps the file
// open while it sleeps: nobody can rename or delete that file meanwhile.
package main

import (
	"os"
	"syscall"
	"time"
)

func main() {
	name, err := syscall.UTF16PtrFromString(os.Args[1])
	if err != nil {
		os.Exit(2)
	}
	h, err := syscall.CreateFile(name, syscall.GENERIC_READ, syscall.FILE_SHARE_READ, nil,
		syscall.OPEN_EXISTING, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		os.Exit(3)
	}
	defer syscall.CloseHandle(h)
	os.WriteFile(os.Args[2], []byte("open"), 0o644)
	time.Sleep(2 * time.Minute)
}
