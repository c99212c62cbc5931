// Command sleeper is a Windows program that stands for a running tool: it
// writes a marker file once started, then sleeps.
package main

import (
	"os"
	"time"
)

// edition is set at link time so that two builds differ in content.
var edition = "1"

func main() {
	if len(os.Args) > 1 {
		os.WriteFile(os.Args[1], []byte(edition), 0o644)
	}
	time.Sleep(2 * time.Minute)
}
