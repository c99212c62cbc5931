package safefile

import (
	"fmt"
	"os"
)

// Replace renames the complete file src over target, which must be on the
// same volume (a staging folder beside the target, say), so that target
// holds either its old or its new content at every moment. As with Commit,
// a running executable on Windows is renamed aside first, and a target held
// open without delete sharing yields ErrInUse with the target untouched. src
// is left in place when Replace fails, for the caller to remove.
func Replace(src, target string) error {
	err := os.Rename(src, target)
	if err == nil || !renameBlocked(err) {
		return err
	}
	aside, asideErr := renameAside(target)
	if asideErr != nil {
		if renameBlocked(asideErr) {
			return fmt.Errorf("replace %s: %w", target, ErrInUse)
		}
		return asideErr
	}
	if err := os.Rename(src, target); err != nil {
		os.Rename(aside, target) // put the old file back rather than leave none
		return err
	}
	os.Remove(aside) // succeeds where the old file was not running after all
	return nil
}
