package testenv

import (
	"io"
	"log"
)

// quietLog discards the handshake errors a server logs when a test client
// is refused on purpose.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
