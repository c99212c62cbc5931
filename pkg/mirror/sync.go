package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/pe"
	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// Actions reported for each file.
const (
	Added     = "Added"
	Updated   = "Updated"
	Unchanged = "Unchanged"
	Skipped   = "Skipped"
	Removed   = "Removed"
	Failed    = "Failed"
)

// Record types.
const (
	ItemType    = "SysUpdate.SyncItem"
	SummaryType = "SysUpdate.SyncSummary"
)

// Config describes one sync of a folder from a source.
type Config struct {
	Dir     string
	Source  Source
	Include []string // wildcard patterns (* ?) on the name or relative path; none means all
	Exclude []string
	// Filter lets a preset drop entries, such as programs for another
	// processor; it returns why, or "" to keep the entry.
	Filter         func(rel string) string
	Recurse        bool
	Prune          bool
	WhatIf         bool
	AllowDowngrade bool
	Parallel       int           // files fetched at once; 0 means 4
	LockTimeout    time.Duration // how long to wait for another run on Dir
	RandomDelay    time.Duration // wait a random time up to this first
	LogFile        string
	// Placed is called after a file was added or updated.
	Placed func(rel string)
}

// Item is the payload of a SysUpdate.SyncItem record: what happened to one
// file.
type Item struct {
	Name       string `json:"Name"` // path relative to the folder, with /
	Action     string `json:"Action"`
	OldVersion string `json:"OldVersion"`
	NewVersion string `json:"NewVersion"`
	Bytes      int64  `json:"Bytes"` // fetched for this file
	Reason     string `json:"Reason"`
}

// Summary is the payload of the SysUpdate.SyncSummary record.
type Summary struct {
	Path         string  `json:"Path"`
	Source       string  `json:"Source"`
	Added        int     `json:"Added"`
	Updated      int     `json:"Updated"`
	Unchanged    int     `json:"Unchanged"`
	Skipped      int     `json:"Skipped"`
	Removed      int     `json:"Removed"`
	Failed       int     `json:"Failed"`
	BytesFetched int64   `json:"BytesFetched"`
	Requests     int64   `json:"Requests"`
	Seconds      float64 `json:"Seconds"`
	WhatIf       bool    `json:"WhatIf,omitempty"`
}

// job is one planned change.
type job struct {
	rel       string
	entry     Entry
	target    string
	action    string // Added or Updated, when the content turns out new
	reason    string
	cond      Validators
	oldHash   string // of the file on disk, when known
	hashLocal bool   // hash the file on disk before comparing
	old       *FileState
	remove    bool
}

// syncRun holds one run's mutable parts.
type syncRun struct {
	cfg      Config
	out      *bridge.Writer
	dir      string
	stateDir string
	staging  string
	st       *State

	mu      sync.Mutex
	summary Summary
	logFile *os.File
	logErr  bool
}

// Sync makes cfg.Dir equal to the source for the entries that pass the
// filters, and writes an Item record per file and a Summary record. It
// returns a KindPartial error when some files failed.
func Sync(ctx context.Context, out *bridge.Writer, cfg Config) (Summary, error) {
	start := time.Now()
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil || cfg.Dir == "" {
		return Summary{}, bridge.Usagef("BadPath", "--path must name a folder")
	}
	if err := checkPatterns(cfg.Include, cfg.Exclude); err != nil {
		return Summary{}, err
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	r := &syncRun{cfg: cfg, out: out, dir: dir, stateDir: filepath.Join(dir, stateDirName)}
	r.summary = Summary{Path: dir, Source: cfg.Source.String(), WhatIf: cfg.WhatIf}

	if cfg.RandomDelay > 0 {
		d := time.Duration(rand.New(rand.NewSource(time.Now().UnixNano())).Int63n(int64(cfg.RandomDelay)))
		out.Verbosef("waiting %.1f s first (--random-delay-sec)", d.Seconds())
		select {
		case <-ctx.Done():
			return Summary{}, ctx.Err()
		case <-time.After(d):
		}
	}
	if cfg.LogFile != "" && !cfg.WhatIf {
		r.logFile, err = os.OpenFile(cfg.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return Summary{}, bridge.Wrap(bridge.KindLocal, "LogFileUnwritable", err, "open the log file").WithTarget(cfg.LogFile)
		}
		defer r.logFile.Close()
	}

	if cfg.WhatIf {
		// A what-if run writes nothing in the folder, not even the lock.
		r.staging, err = os.MkdirTemp("", "sysupdate-whatif-")
		if err != nil {
			return Summary{}, bridge.Wrap(bridge.KindLocal, "TempUnwritable", err, "make a temporary folder")
		}
		defer os.RemoveAll(r.staging)
	} else {
		release, err := r.prepare(ctx)
		if err != nil {
			r.mutate(func() { r.logLine("run %s -> %s: not started: %v", r.summary.Source, dir, err) })
			return Summary{}, err
		}
		defer release()
	}

	var note string
	r.st, note = loadState(r.stateDir, cfg.Source.String())
	if note != "" {
		out.Warningf("%s", note)
	}

	files, listed, err := r.listAll(ctx)
	if err != nil {
		r.finish(start)
		return r.summary, err
	}
	jobs := r.plan(files, listed)
	r.apply(ctx, jobs)
	if !cfg.WhatIf {
		if err := r.saveState(); err != nil {
			out.Error(err)
		}
	}
	r.finish(start)
	if ctx.Err() != nil {
		return r.summary, ctx.Err()
	}
	if r.summary.Failed > 0 {
		return r.summary, bridge.New(bridge.KindPartial, "SyncPartial",
			"%d of the files failed; the others are current (see the Failed records)", r.summary.Failed).WithTarget(dir)
	}
	return r.summary, nil
}

// prepare makes the state folder, takes the lock, and clears what killed
// runs left behind. It returns the function that releases the lock.
func (r *syncRun) prepare(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(r.stateDir, 0o755); err != nil {
		return nil, bridge.Wrap(bridge.KindLocal, "FolderUnwritable", err, "create the state folder").WithTarget(r.stateDir)
	}
	hideFolder(r.stateDir)
	lock, err := acquireLock(ctx, filepath.Join(r.stateDir, lockFileName), r.cfg.LockTimeout)
	if errors.Is(err, errLocked) {
		return nil, bridge.New(bridge.KindLocal, "SyncFolderLocked",
			"another sysupdate run is updating %s and did not finish within %s; try again later",
			r.dir, r.cfg.LockTimeout).WithTarget(r.dir).WithCategory("ResourceBusy")
	}
	if err != nil {
		return nil, bridge.Wrap(bridge.KindLocal, "LockFailed", err, "lock the folder").WithTarget(r.dir)
	}
	// Holding the lock, everything in the staging folder is a leftover.
	r.staging = filepath.Join(r.stateDir, stagingName)
	os.RemoveAll(r.staging)
	if err := os.MkdirAll(r.staging, 0o755); err != nil {
		lock.release()
		return nil, bridge.Wrap(bridge.KindLocal, "FolderUnwritable", err, "create the staging folder").WithTarget(r.staging)
	}
	r.clean(r.dir)
	r.clean(r.stateDir)
	return lock.release, nil
}

func (r *syncRun) clean(dir string) {
	removed, _ := safefile.CleanLeftovers(dir)
	for _, name := range removed {
		r.out.Verbosef("removed %s, left by an interrupted run", filepath.Join(dir, name))
	}
}

// listedFile is a file entry with its path relative to the folder.
type listedFile struct {
	rel   string
	entry Entry
}

// listAll lists the top folder and, with Recurse, every subfolder.
func (r *syncRun) listAll(ctx context.Context) ([]listedFile, map[string]bool, error) {
	var files []listedFile
	listed := map[string]bool{}
	queue := []string{""}
	for len(queue) > 0 {
		rel := queue[0]
		queue = queue[1:]
		ls, err := r.cfg.Source.List(ctx, rel, r.st.Listings[rel], r.staging)
		if err != nil {
			return nil, nil, err
		}
		r.st.Listings[rel] = ls
		listed[rel] = true
		r.out.Verbosef("listed %s: %d entries (%s)", ls.URL, len(ls.Entries), ls.Format)
		for _, e := range ls.Entries {
			child := joinRel(rel, e.Name)
			if e.Dir {
				if r.cfg.Recurse {
					queue = append(queue, child)
					if !r.cfg.WhatIf {
						r.clean(filepath.Join(r.dir, filepath.FromSlash(child)))
					}
				}
				continue
			}
			files = append(files, listedFile{child, e})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	return files, listed, nil
}

// plan decides for each listed file, reporting at once those that need no
// request, and returns the jobs that need one (or a removal).
func (r *syncRun) plan(files []listedFile, listed map[string]bool) []job {
	var jobs []job
	present := map[string]bool{}
	// TODO: two source names that differ only in case are one file on
	// Windows; both are fetched and the last one placed wins, every run.
	for _, f := range files {
		present[f.rel] = true
		if why := r.filtered(f.rel); why != "" {
			r.report(Item{Name: f.rel, Action: Skipped, Reason: why}, nil)
			continue
		}
		target := filepath.Join(r.dir, filepath.FromSlash(f.rel))
		info, statErr := os.Lstat(target)
		if statErr != nil {
			info = nil
		}
		fs := r.st.Files[f.rel]
		j := job{rel: f.rel, entry: f.entry, target: target, old: fs}
		switch {
		case info != nil && !info.Mode().IsRegular():
			r.report(Item{Name: f.rel, Action: Failed, Reason: "a folder or link of that name is in the way"}, nil)
			continue
		case fs != nil && intact(info, fs):
			if sameListing(f.entry, fs) && !(fs.HeldBack && r.cfg.AllowDowngrade) {
				item := Item{Name: f.rel, Action: Unchanged, OldVersion: fs.Version, NewVersion: fs.Version}
				if fs.HeldBack {
					item.Action, item.NewVersion = Skipped, fs.SourceVersion
					item.Reason = "the source has an older version; --allow-downgrade installs it"
				}
				r.report(item, nil)
				continue
			}
			j.action, j.reason = Updated, "changed in the source"
			j.cond = Validators{ETag: fs.ETag, LastModified: fs.LastModified}
			j.oldHash = fs.SHA256
			if fs.HeldBack {
				j.cond, j.reason = Validators{}, "downgrade allowed"
			}
		case info == nil:
			j.action, j.reason = Added, "new in the source"
			if fs != nil {
				j.reason = "missing on disk"
			}
		case f.entry.Size >= 0 && f.entry.Size != info.Size():
			j.action, j.reason = Updated, "the file on disk differs in size from the source"
		default:
			// Same size or size unknown, and no trustworthy state: only the
			// content can tell, so fetch and compare hashes.
			j.action, j.reason = Updated, "the file on disk differs from the source"
			j.hashLocal = true
		}
		jobs = append(jobs, j)
	}

	for rel, fs := range r.st.Files {
		folder := path.Dir(rel)
		if folder == "." {
			folder = ""
		}
		if present[rel] || !listed[folder] {
			continue
		}
		if !r.cfg.Prune {
			r.out.Verbosef("%s is gone from the source; kept (--prune removes it)", rel)
			continue
		}
		target := filepath.Join(r.dir, filepath.FromSlash(rel))
		info, err := os.Lstat(target)
		if err != nil {
			r.mutate(func() { delete(r.st.Files, rel) })
			continue
		}
		if !intact(info, fs) {
			r.report(Item{Name: rel, Action: Skipped, OldVersion: fs.Version,
				Reason: "gone from the source but changed on disk since it was installed; not removed"}, nil)
			continue
		}
		jobs = append(jobs, job{rel: rel, target: target, old: fs, remove: true, action: Removed,
			reason: "gone from the source (--prune)"})
	}
	sort.Slice(jobs, func(i, k int) bool { return jobs[i].rel < jobs[k].rel })
	return jobs
}

// apply carries the jobs out with bounded parallelism.
func (r *syncRun) apply(ctx context.Context, jobs []job) {
	if r.cfg.WhatIf {
		for _, j := range jobs {
			r.report(Item{Name: j.rel, Action: j.action, OldVersion: versionOf(j.old, j.target),
				Reason: "what if: " + j.reason}, nil)
		}
		return
	}
	var total int64
	for _, j := range jobs {
		if j.entry.Size > 0 {
			total += j.entry.Size
		}
	}
	meter := r.out.NewMeter("Sync", r.dir, total)
	defer meter.Done()
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < r.cfg.Parallel && w < len(jobs); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				r.do(ctx, i, jobs[i], meter)
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
}

// do carries out one job and reports it.
func (r *syncRun) do(ctx context.Context, i int, j job, meter *bridge.Meter) {
	if j.remove {
		if err := os.Remove(j.target); err != nil {
			r.report(Item{Name: j.rel, Action: Failed, OldVersion: j.old.Version, Reason: "remove: " + err.Error()}, nil)
			return
		}
		r.report(Item{Name: j.rel, Action: Removed, OldVersion: j.old.Version, Reason: j.reason},
			func() { delete(r.st.Files, j.rel) })
		return
	}
	meter.SetStatus(j.rel)
	staged := filepath.Join(r.staging, fmt.Sprintf("%d-%s", i, path.Base(j.rel)))
	defer os.Remove(staged)
	oldVersion := versionOf(j.old, j.target)
	fail := func(err error) {
		if ctx.Err() != nil {
			return // interrupted: the run as a whole reports it
		}
		r.report(Item{Name: j.rel, Action: Failed, OldVersion: oldVersion, Reason: err.Error()}, nil)
	}

	if j.hashLocal && j.entry.CRC32 != 0 {
		// An archive member names its CRC-32: a file on disk that matches
		// needs no extraction.
		if sum, ok := sameCRC(j.target, j.entry.CRC32); ok {
			v := pe.FileVersion(j.target)
			r.record(j, &FileState{ListedSize: j.entry.Size, ListedTime: j.entry.Time, CRC32: j.entry.CRC32,
				SHA256: sum, Version: v}, Item{Name: j.rel, Action: Unchanged, OldVersion: v, NewVersion: v,
				Reason: "same content as the source"})
			return
		}
	}
	res, err := r.cfg.Source.Fetch(ctx, j.entry, j.cond, staged, meter)
	if err != nil {
		fail(err)
		return
	}
	if res.NotModified {
		r.report(Item{Name: j.rel, Action: Unchanged, OldVersion: oldVersion, NewVersion: oldVersion,
			Reason: "not modified (the listed time moved, the file did not)"}, func() {
			fs := r.st.Files[j.rel]
			fs.ListedSize, fs.ListedTime = j.entry.Size, j.entry.Time
		})
		return
	}
	r.mutate(func() { r.summary.BytesFetched += res.Bytes })
	sum := res.SHA256
	if sum == "" {
		if sum, err = fileSHA256(staged); err != nil {
			fail(err)
			return
		}
	}
	oldHash := j.oldHash
	if j.hashLocal {
		oldHash, _ = fileSHA256(j.target)
	}
	fs := &FileState{ListedSize: j.entry.Size, ListedTime: j.entry.Time, CRC32: j.entry.CRC32,
		ETag: res.ETag, LastModified: res.LastModified, SHA256: sum}
	newVersion := pe.FileVersion(staged)

	if oldHash == sum {
		// The same bytes: keep the file on disk as it is and trust it from now.
		fs.Version = oldVersion
		r.record(j, fs, Item{Name: j.rel, Action: Unchanged, OldVersion: oldVersion, NewVersion: oldVersion,
			Bytes: res.Bytes, Reason: "same content as the source"})
		return
	}
	if isDowngrade(oldVersion, newVersion) && !r.cfg.AllowDowngrade {
		fs.Version, fs.HeldBack, fs.SourceVersion = oldVersion, true, newVersion
		fs.SHA256 = oldHash
		if fs.SHA256 == "" {
			fs.SHA256, _ = fileSHA256(j.target)
		}
		r.record(j, fs, Item{Name: j.rel, Action: Skipped, OldVersion: oldVersion, NewVersion: newVersion,
			Bytes: res.Bytes, Reason: "the source has an older version; --allow-downgrade installs it"})
		return
	}
	if err := os.MkdirAll(filepath.Dir(j.target), 0o755); err != nil {
		fail(err)
		return
	}
	if err := safefile.Replace(staged, j.target); err != nil {
		if errors.Is(err, safefile.ErrInUse) {
			err = errors.New("in use by another process that does not share delete access; " +
				"left as it was, tried again next run")
		}
		fail(err)
		return
	}
	fs.Version = newVersion
	r.record(j, fs, Item{Name: j.rel, Action: j.action, OldVersion: oldVersion, NewVersion: newVersion,
		Bytes: res.Bytes, Reason: j.reason})
	if r.cfg.Placed != nil {
		r.cfg.Placed(j.rel)
	}
}

// record notes the file on disk as it now is in the state, then reports.
func (r *syncRun) record(j job, fs *FileState, item Item) {
	if info, err := os.Stat(j.target); err == nil {
		fs.Size, fs.ModTime = info.Size(), info.ModTime()
	}
	r.report(item, func() { r.st.Files[j.rel] = fs })
}

// report writes an item's record and log line, applying change to the
// state first; the state is saved after every change, so a run killed
// halfway keeps what it did.
func (r *syncRun) report(item Item, change func()) {
	r.mu.Lock()
	switch item.Action {
	case Added:
		r.summary.Added++
	case Updated:
		r.summary.Updated++
	case Unchanged:
		r.summary.Unchanged++
	case Skipped:
		r.summary.Skipped++
	case Removed:
		r.summary.Removed++
	case Failed:
		r.summary.Failed++
	}
	if change != nil {
		change()
	}
	var saveErr error
	if change != nil && !r.cfg.WhatIf {
		saveErr = r.st.save(r.stateDir)
	}
	if item.Action != Unchanged && item.Action != Skipped && !r.cfg.WhatIf {
		r.logLine("%s %s %s -> %s (%d bytes) %s", item.Action, item.Name, item.OldVersion, item.NewVersion, item.Bytes, item.Reason)
	}
	r.mu.Unlock()
	r.out.Output(ItemType, item)
	if saveErr != nil {
		r.out.Warningf("could not save the state file: %v", saveErr)
	}
}

func (r *syncRun) mutate(f func()) {
	r.mu.Lock()
	f()
	r.mu.Unlock()
}

func (r *syncRun) saveState() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.st.save(r.stateDir); err != nil {
		return bridge.Wrap(bridge.KindLocal, "StateUnwritable", err, "save the state file").WithTarget(r.stateDir)
	}
	return nil
}

// finish writes the summary record and the run's log line.
func (r *syncRun) finish(start time.Time) {
	r.mu.Lock()
	r.summary.Requests = r.cfg.Source.Requests()
	if c, ok := r.cfg.Source.(byteCounter); ok {
		r.summary.BytesFetched = c.BytesFetched()
	}
	r.summary.Seconds = time.Since(start).Seconds()
	s := r.summary
	if !r.cfg.WhatIf {
		r.logLine("run %s -> %s: added %d, updated %d, unchanged %d, skipped %d, removed %d, failed %d; %d bytes in %d requests, %.2f s",
			s.Source, s.Path, s.Added, s.Updated, s.Unchanged, s.Skipped, s.Removed, s.Failed, s.BytesFetched, s.Requests, s.Seconds)
	}
	r.mu.Unlock()
	r.out.Output(SummaryType, s)
}

// logLine appends one line to the log file. Called with r.mu held.
func (r *syncRun) logLine(format string, args ...any) {
	if r.logFile == nil {
		return
	}
	line := time.Now().UTC().Format(time.RFC3339) + " " + fmt.Sprintf(format, args...) + "\n"
	if _, err := r.logFile.WriteString(line); err != nil && !r.logErr {
		r.logErr = true
		r.out.Warningf("could not write the log file: %v", err)
	}
}

// filtered returns why a file is left out, or "".
func (r *syncRun) filtered(rel string) string {
	if len(r.cfg.Include) > 0 && !matchAny(r.cfg.Include, rel) {
		return "not matched by --include"
	}
	if matchAny(r.cfg.Exclude, rel) {
		return "matched by --exclude"
	}
	if r.cfg.Filter != nil {
		return r.cfg.Filter(rel)
	}
	return ""
}

// matchAny matches patterns against the name and the relative path,
// ignoring case as Windows does.
func matchAny(patterns []string, rel string) bool {
	rel = strings.ToLower(rel)
	name := path.Base(rel)
	for _, p := range patterns {
		p = strings.ToLower(strings.ReplaceAll(p, `\`, "/"))
		if ok, _ := path.Match(p, name); ok {
			return true
		}
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
	}
	return false
}

func checkPatterns(lists ...[]string) error {
	for _, list := range lists {
		for _, p := range list {
			if _, err := path.Match(strings.ReplaceAll(p, `\`, "/"), ""); err != nil {
				return bridge.Usagef("BadPattern", "pattern %q is malformed: %v", p, err)
			}
		}
	}
	return nil
}

// intact reports whether the file on disk is the one this tool placed.
func intact(info os.FileInfo, fs *FileState) bool {
	return info != nil && info.Mode().IsRegular() && info.Size() == fs.Size && info.ModTime().Equal(fs.ModTime)
}

// sameListing reports whether the source lists the file as it did when it
// was placed. A listing with neither size nor time proves nothing.
func sameListing(e Entry, fs *FileState) bool {
	if e.Size < 0 && e.Time.IsZero() && e.CRC32 == 0 {
		return false
	}
	return e.Size == fs.ListedSize && e.Time.Equal(fs.ListedTime) && e.CRC32 == fs.CRC32
}

// versionOf is the version of the file on disk, from the state when it is
// trustworthy there.
func versionOf(fs *FileState, target string) string {
	if fs != nil && fs.Version != "" {
		if info, err := os.Stat(target); err == nil && intact(info, fs) {
			return fs.Version
		}
	}
	return pe.FileVersion(target)
}

// isDowngrade reports whether replacing version old by new goes back.
func isDowngrade(old, new string) bool {
	o, err1 := pe.ParseVersion(old)
	n, err2 := pe.ParseVersion(new)
	return err1 == nil && err2 == nil && n.Compare(o) < 0
}

// byteCounter is a source whose network bytes differ from the bytes it
// hands out, such as an archive.
type byteCounter interface {
	BytesFetched() int64
}

// sameCRC reports whether the file at path has the given CRC-32, and its
// SHA-256 when it does.
func sameCRC(path string, want uint32) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	c := crc32.NewIEEE()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(c, h), f); err != nil || c.Sum32() != want {
		return "", false
	}
	return hex.EncodeToString(h.Sum(nil)), true
}
