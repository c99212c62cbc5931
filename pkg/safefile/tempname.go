package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
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
	return tempNameHead + strconv.FormatUint(n, 16) + "-" + base
}
