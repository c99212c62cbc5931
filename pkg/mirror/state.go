package mirror

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// stateSchema is the version of the state file's layout. A state file of
// another schema is not trusted: the run starts afresh and compares files
// by content, which costs downloads but never a wrong decision.
const stateSchema = 1

const (
	stateFileName = "state.json"
	lockFileName  = "lock"
	stagingName   = "staging"
)

// State is what a sync remembers between runs, in DIR/.sysupdate/state.json.
type State struct {
	Schema   int                      `json:"Schema"`
	Source   string                   `json:"Source"`
	Listings map[string]*ListingState `json:"Listings"` // by folder, "" for the top
	Files    map[string]*FileState    `json:"Files"`    // by path relative to DIR, with /
}

// ListingState is a folder listing as last fetched, with the validators
// to ask for it conditionally.
type ListingState struct {
	URL          string  `json:"URL"`
	ETag         string  `json:"ETag,omitempty"`
	LastModified string  `json:"LastModified,omitempty"`
	Format       string  `json:"Format,omitempty"`
	Entries      []Entry `json:"Entries"`
}

// FileState describes a file this tool placed.
type FileState struct {
	Size       int64     `json:"Size"`    // bytes on disk
	ModTime    time.Time `json:"ModTime"` // on disk after placing: a change means someone else wrote it
	ListedSize int64     `json:"ListedSize"`
	ListedTime time.Time `json:"ListedTime"`
	CRC32      uint32    `json:"CRC32,omitempty"`
	ETag       string    `json:"ETag,omitempty"`
	// LastModified is the server's Last-Modified header, kept verbatim for
	// If-Modified-Since.
	LastModified string `json:"LastModified,omitempty"`
	SHA256       string `json:"SHA256"`
	Version      string `json:"Version,omitempty"` // file version of a PE file
	// HeldBack is set when the source offered an older version than the
	// one on disk and the downgrade was refused; SourceVersion is that
	// offer.
	HeldBack      bool   `json:"HeldBack,omitempty"`
	SourceVersion string `json:"SourceVersion,omitempty"`
}

func newState(source string) *State {
	return &State{Schema: stateSchema, Source: source,
		Listings: map[string]*ListingState{}, Files: map[string]*FileState{}}
}

// loadState reads the state in stateDir. A missing, unreadable or foreign
// state yields an empty one and a reason to tell the user.
func loadState(stateDir, source string) (st *State, note string) {
	data, err := os.ReadFile(filepath.Join(stateDir, stateFileName))
	if errors.Is(err, os.ErrNotExist) {
		return newState(source), ""
	}
	if err != nil {
		return newState(source), fmt.Sprintf("state file unreadable (%v); comparing files by content", err)
	}
	st = &State{}
	if err := json.Unmarshal(data, st); err != nil || st.Schema != stateSchema {
		return newState(source), "state file of another version or damaged; comparing files by content"
	}
	if st.Files == nil {
		st.Files = map[string]*FileState{}
	}
	if st.Listings == nil || st.Source != source {
		st.Listings = map[string]*ListingState{}
	}
	if st.Source != source {
		// Validators belong to the old source; hashes stay true.
		for _, f := range st.Files {
			f.ETag, f.LastModified, f.ListedTime, f.ListedSize = "", "", time.Time{}, -2
		}
		st.Source = source
	}
	return st, ""
}

// save writes the state atomically: a kill leaves the old or the new file.
func (st *State) save(stateDir string) error {
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	f, err := safefile.Create(stateDir, stateFileName)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit(filepath.Join(stateDir, stateFileName))
}
