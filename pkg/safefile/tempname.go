package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

var (
	tempNameOnce sync.Once
	tempNameHead string // prefix, process ID and a random part, ready to use
	tempNameSeq  atomic.Uint64
)

// TempName returns a new name for a temporary file in the folder of a
// target named base, following the pattern CleanLeftovers recognizes. It
// costs no system call, for writers that create many files (extracting an
// archive); the caller creates the file exclusively (O_EXCL) and picks
// another name in the unlikely case it exists.
func TempName(base string) string {
	tempNameOnce.Do(func() {
		var rnd [4]byte
		rand.Read(rnd[:]) //nolint:errcheck // uniqueness also comes from the counter and O_EXCL
		tempNameHead = tempPrefix + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(rnd[:])
	})
	n := tempNameSeq.Add(1)
	return tempNameHead + strconv.FormatUint(n, 16) + "-" + shorten(base, maxTempBase)
}

// maxTempBase bounds the part of a temporary name taken from the target,
// so that a target whose name is near the file system's limit of 255 still
// has a temporary name that fits.
const maxTempBase = 100

// shorten cuts s to at most n bytes at a character boundary.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
