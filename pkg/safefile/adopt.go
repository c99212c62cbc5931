package safefile

import "os"

// Adopt takes over an open file that this package did not create, such as
// a partial download being completed in place, so that Commit renames it
// over its target with the same care as a temporary file. Abort removes
// it; a caller that wants to keep the file closes it instead.
func Adopt(f *os.File) *File { return &File{File: f} }
