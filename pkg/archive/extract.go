package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/safefile"
)

// The ErrorIds of local failures during extraction (exit 6, or exit 7 for
// the per-file ones reported in ExtractResult.Failed).
const (
	IDFileExists        = "ExpandFileExists"
	IDFolderInTheWay    = "ExpandFolderInTheWay"
	IDFileInTheWay      = "ExpandFileInTheWay"
	IDNotEnoughSpace    = "ExpandNotEnoughSpace"
	IDDiskFull          = "ExpandDiskFull"
	IDWriteFailed       = "ExpandWriteFailed"
	IDFileInUse         = "ExpandFileInUse"
	IDDestinationFailed = "ExpandDestinationUnusable"
)

// copyBufferSize is each worker's buffer between the decompressor and the
// file: big enough to stream a large entry in few system calls.
const copyBufferSize = 256 << 10

// ExtractOptions say how to write entries.
type ExtractOptions struct {
	// Force replaces existing files. Without it, an entry whose file
	// exists is not written and is reported in ExtractResult.Failed.
	Force bool
	// CheckFreeSpace refuses, before anything is written, a set of
	// entries larger than the free space of the destination's volume.
	CheckFreeSpace bool
	// Workers bounds the files written at once; 0 means one per core.
	Workers int
	// Log receives Verbose records of what is skipped and why; may be nil.
	Log *bridge.Writer
	// OnExtracted is called, from several goroutines at once, for every
	// file placed at its final path.
	OnExtracted func(ExtractedFile)
}

// ExtractedFile is a file placed at its final path.
type ExtractedFile struct {
	Entry *Entry
	Path  string // absolute
}

// ExtractResult counts what was written. Failed holds one non-terminating
// error per entry that was not written (a conflict, a file in use); the
// caller decides whether that makes the run partial.
type ExtractResult struct {
	Files   int
	Folders int // created by this run
	Bytes   int64
	Failed  []*bridge.Error
}

// plan is what Extract decided before writing: which folders to create,
// which files to write where.
type plan struct {
	dest      string
	mkdirs    []string // absolute, parents first
	existing  []string // folders that were there already
	files     []fileJob
	dirTimes  []dirTime
	need      int64
	parent    string          // the destination's parent, when it must be created
	newFolder map[string]bool // folded relative path -> created by this run

	// stage is set when the destination does not exist yet: the whole
	// tree is written into this folder beside it, under a temporary name,
	// and renamed into place at the end. No final path exists before that
	// rename, so files are written under their own names, which saves a
	// rename per file.
	stage string
}

type fileJob struct {
	e      *Entry
	target string // where the file is written
	final  string // where it ends up, once a staged folder is renamed
	dir    string
	base   string
	direct bool // write target itself: it lies inside a staged folder
}

type dirTime struct {
	path string
	t    time.Time
}

// Extract writes entries of a into the folder dest, creating it when
// missing. Entries must come from a.Entries. Each file is written to a
// temporary name in its folder, checked against its size and CRC-32, given
// its modification time and renamed into place, so no final path ever
// holds a partial file. When dest does not exist yet, the whole tree is
// written into a temporary folder beside it instead, which is renamed to
// dest once complete: the same guarantee with one rename in all. Files are written in parallel, one per core.
// Leftover temporary files of killed runs are removed from every folder
// written to.
//
// A failure of the archive's content (exit 5), a full disk or an unusable
// destination (exit 6) or ctx's cancellation stops the run and is
// returned; files already placed stay, no temporary file does.
//
// TODO: a CRC-32 mismatch can only be seen while writing, so an archive
// damaged in its tenth file leaves the nine before it extracted; checking
// every CRC first would read the archive twice.
func (a *Archive) Extract(ctx context.Context, dest string, entries []Entry,
	opts ExtractOptions, meter *bridge.Meter) (*ExtractResult, error) {
	res := &ExtractResult{}
	p, err := makePlan(dest, entries, opts, res)
	if err != nil {
		return res, err
	}
	if opts.CheckFreeSpace {
		if err := checkSpace(p.dest, p.need); err != nil {
			return res, err
		}
	}
	if p.parent != "" {
		if err := os.MkdirAll(p.parent, 0o755); err != nil {
			return res, localError(IDDestinationFailed, err, "create the destination's parent folder", p.parent)
		}
	}
	for _, dir := range p.mkdirs {
		if err := os.Mkdir(dir, 0o755); err != nil && !(errors.Is(err, os.ErrExist) && isDir(dir)) {
			return res, localError(IDDestinationFailed, err, "create folder", dir)
		}
		res.Folders++
	}
	for _, dir := range p.existing {
		removed, err := safefile.CleanLeftovers(dir)
		if err == nil && len(removed) > 0 {
			opts.Log.Verbosef("removed %d temporary files left by an interrupted run in %s", len(removed), dir)
		}
	}
	if meter != nil {
		meter.SetTotal(p.need)
	}
	onExtracted := opts.OnExtracted
	var placed []ExtractedFile
	if p.stage != "" {
		// Files are reported once they are at their final paths.
		var mu sync.Mutex
		opts.OnExtracted = func(f ExtractedFile) {
			mu.Lock()
			placed = append(placed, f)
			mu.Unlock()
		}
	}
	if err := a.writeFiles(ctx, p.files, opts, meter, res); err != nil {
		if p.stage != "" {
			os.RemoveAll(p.stage)
		}
		return res, err
	}
	if p.stage != "" {
		if err := os.Rename(p.stage, p.dest); err != nil {
			os.RemoveAll(p.stage)
			return res, localError(IDDestinationFailed, err, "move the extracted folder into place at", p.dest)
		}
		if onExtracted != nil {
			for _, f := range placed {
				onExtracted(f)
			}
		}
	}

	// Folder times last: writing files into a folder changes its time.
	for i := len(p.dirTimes) - 1; i >= 0; i-- {
		d := p.dirTimes[i]
		if err := os.Chtimes(d.path, d.t, d.t); err != nil {
			opts.Log.Verbosef("could not set the time of folder %s: %v", d.path, err)
		}
	}
	return res, nil
}

// makePlan checks the destination and decides what to write. A folder the
// run creates holds nothing yet, so nothing inside it needs checking: on a
// fresh destination no file is looked up before it is written.
func makePlan(dest string, entries []Entry, opts ExtractOptions, res *ExtractResult) (*plan, error) {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return nil, localError(IDDestinationFailed, err, "resolve the destination", dest)
	}
	p := &plan{dest: abs, newFolder: map[string]bool{}}

	// blocked holds folders that cannot be made because a file is in the
	// way; entries inside them fail.
	blocked := map[string]*bridge.Error{}
	info, err := os.Lstat(abs)
	switch {
	case err == nil && !info.IsDir():
		return nil, localError(IDFileInTheWay, fmt.Errorf("it is a file"), "use the destination", abs)
	case errors.Is(err, os.ErrNotExist):
		parent := filepath.Dir(abs)
		if !isDir(parent) {
			p.parent = parent
		} else {
			p.existing = append(p.existing, parent) // for staged folders of killed runs
		}
		p.stage = filepath.Join(parent, safefile.TempName(filepath.Base(abs)))
		p.mkdirs = append(p.mkdirs, p.stage)
		p.newFolder[""] = true
	case err != nil:
		return nil, localError(IDDestinationFailed, err, "use the destination", abs)
	default:
		p.existing = append(p.existing, abs)
	}

	// Every folder: explicit entries and the parents of every entry.
	folders := map[string]string{} // folded -> relative path as written
	for i := range entries {
		e := &entries[i]
		dir := e.Name
		if !e.IsDir {
			dir = parentOf(e.Name)
		}
		for ; dir != ""; dir = parentOf(dir) {
			key := foldName(dir)
			if _, ok := folders[key]; ok {
				break
			}
			folders[key] = dir
		}
	}
	keys := make([]string, 0, len(folders))
	for key := range folders {
		keys = append(keys, key)
	}
	sort.Strings(keys) // a parent sorts before its children
	for _, key := range keys {
		rel := folders[key]
		parentKey := foldName(parentOf(rel))
		target := filepath.Join(abs, filepath.FromSlash(rel))
		if e := blocked[parentKey]; e != nil {
			blocked[key] = e
			continue
		}
		if p.newFolder[parentKey] {
			p.newFolder[key] = true
			p.mkdirs = append(p.mkdirs, p.written(target))
			continue
		}
		info, err := os.Lstat(target)
		switch {
		case errors.Is(err, os.ErrNotExist):
			p.newFolder[key] = true
			p.mkdirs = append(p.mkdirs, target)
		case err != nil:
			return nil, localError(IDDestinationFailed, err, "inspect", target)
		case info.IsDir():
			p.existing = append(p.existing, target)
		case info.Mode()&os.ModeSymlink != 0 && isDir(target):
			// A link the user made to a folder is the user's choice.
			// TODO: such a link is followed, so files land wherever it
			// points; archives cannot create links, but a local user who
			// can write the destination could redirect a later run.
			p.existing = append(p.existing, target)
		default:
			blocked[key] = localError(IDFileInTheWay, errors.New("a file of that name is in the way"),
				"create folder", target).WithCategory("ResourceExists")
			res.Failed = append(res.Failed, blocked[key])
		}
	}

	for i := range entries {
		e := &entries[i]
		// Folders are spelt as their first entry spells them: on Windows
		// "Dir/a" and "DIR/b" share a folder, and so they do everywhere.
		folder := folders[foldName(parentOf(e.Name))]
		if e.IsDir {
			folder = folders[foldName(e.Name)]
		}
		target := filepath.Join(abs, filepath.FromSlash(folder))
		if !e.IsDir {
			target = filepath.Join(target, path.Base(e.Name))
		}
		if e.IsDir {
			if blocked[foldName(e.Name)] == nil && !e.Modified.IsZero() {
				p.dirTimes = append(p.dirTimes, dirTime{target, e.Modified})
			}
			continue
		}
		parentKey := foldName(parentOf(e.Name))
		if blocked[parentKey] != nil {
			opts.Log.Verbosef("skipped %s: its folder could not be created", e.Name)
			continue
		}
		if !p.newFolder[parentKey] {
			if skip := checkExisting(e, target, opts, res); skip {
				continue
			}
		}
		written := p.written(target)
		p.files = append(p.files, fileJob{e: e, target: written, final: target,
			dir: filepath.Dir(written), base: filepath.Base(target), direct: p.stage != ""})
		p.need += e.Size
	}
	sort.SliceStable(p.dirTimes, func(i, j int) bool { return p.dirTimes[i].path < p.dirTimes[j].path })
	return p, nil
}

// written is where a file or folder whose final path is target is
// written: inside the staged folder when there is one.
func (p *plan) written(target string) string {
	if p.stage == "" {
		return target
	}
	return p.stage + strings.TrimPrefix(target, p.dest)
}

// checkExisting decides about an entry whose file may exist already, and
// reports whether to skip it.
func checkExisting(e *Entry, target string, opts ExtractOptions, res *ExtractResult) bool {
	info, err := os.Lstat(target)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false
	case err != nil:
		res.Failed = append(res.Failed, localError(IDWriteFailed, err, "inspect", target))
		return true
	case info.IsDir():
		res.Failed = append(res.Failed, localError(IDFolderInTheWay,
			errors.New("a folder of that name is in the way"), "extract "+quote(e.RawName)+" to", target).
			WithCategory("ResourceExists"))
		return true
	case !opts.Force:
		err := bridge.New(bridge.KindLocal, IDFileExists,
			"%s already exists; use --force to replace it", target).
			WithTarget(target).WithCategory("ResourceExists").WithDetail("Entry", e.RawName)
		res.Failed = append(res.Failed, err)
		opts.Log.Verbosef("skipped %s: the file exists and --force was not given", e.Name)
		return true
	}
	return false
}

// checkSpace refuses a write of need bytes that the volume cannot hold.
func checkSpace(dest string, need int64) error {
	dir := dest
	for !isDir(dir) {
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
	free, err := FreeSpace(dir)
	if err != nil {
		return nil // a volume that cannot say is written to and may fail later
	}
	if need > free {
		return bridge.New(bridge.KindLocal, IDNotEnoughSpace,
			"extracting needs %s but the volume of %s has only %s free",
			bridge.FormatBytes(need), dest, bridge.FormatBytes(free)).
			WithTarget(dest).WithCategory("ResourceUnavailable").
			WithDetail("Bytes", need).WithDetail("FreeBytes", free)
	}
	return nil
}

// writeFiles writes the files with a bounded set of workers. The first
// failure that ends the run cancels the others.
func (a *Archive) writeFiles(ctx context.Context, jobs []fileJob, opts ExtractOptions,
	meter *bridge.Meter, res *ExtractResult) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if workers > len(jobs) {
		workers = len(jobs)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	batches := batchByFolder(jobs)
	var (
		mu       sync.Mutex
		fatal    error
		next     int
		wg       sync.WaitGroup
		failures []*bridge.Error
	)
	take := func() []fileJob {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(batches) || fatal != nil {
			return nil
		}
		next++
		return batches[next-1]
	}
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return fatal != nil
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, copyBufferSize)
			for batch := take(); batch != nil; batch = take() {
				for i := range batch {
					if stopped() {
						return
					}
					job := &batch[i]
					err := a.writeFile(ctx, job, buf, meter)
					mu.Lock()
					switch {
					case err == nil:
						res.Files++
						res.Bytes += job.e.Size
					case isPerFile(err):
						failures = append(failures, bridge.AsError(err))
					case fatal == nil:
						fatal = err
						cancel()
					}
					mu.Unlock()
					if err == nil && opts.OnExtracted != nil {
						opts.OnExtracted(ExtractedFile{Entry: job.e, Path: job.final})
					}
				}
			}
		}()
	}
	wg.Wait()
	res.Failed = append(res.Failed, failures...)
	if fatal == nil {
		fatal = ctx.Err()
	}
	return fatal
}

// batchFiles bounds a batch, so that a folder of many files is still
// shared among workers.
const batchFiles = 256

// batchByFolder groups the jobs by folder, in archive order otherwise, and
// cuts the groups into batches. Workers take a batch at a time, so two
// rarely write into one folder at once: creating and renaming files takes
// the folder's lock, and on some file systems (ext4 on a busy virtual
// machine was measured) workers contending for it are slower together than
// one alone.
func batchByFolder(jobs []fileJob) [][]fileJob {
	order := map[string]int{}
	for _, j := range jobs {
		if _, ok := order[j.dir]; !ok {
			order[j.dir] = len(order)
		}
	}
	sorted := append([]fileJob(nil), jobs...)
	sort.SliceStable(sorted, func(i, k int) bool { return order[sorted[i].dir] < order[sorted[k].dir] })
	var batches [][]fileJob
	for start := 0; start < len(sorted); {
		end := start + 1
		for end < len(sorted) && end-start < batchFiles && sorted[end].dir == sorted[start].dir {
			end++
		}
		batches = append(batches, sorted[start:end])
		start = end
	}
	return batches
}

// isPerFile reports whether a failure concerns one file only, so the run
// goes on with the others.
func isPerFile(err error) bool {
	var e *bridge.Error
	return errors.As(err, &e) && (e.ID == IDFileInUse || e.ID == IDWriteFailed)
}

// writeFile writes one entry to a temporary file beside its target, checks
// it, dates it and renames it into place.
func (a *Archive) writeFile(ctx context.Context, job *fileJob, buf []byte, meter *bridge.Meter) error {
	if meter != nil {
		meter.SetStatus(job.e.Name)
	}
	create := createTemp
	if job.direct {
		create = createDirect
	}
	tmp, err := create(job.dir, job.base)
	if err != nil {
		return classifyWrite(err, job)
	}
	defer tmp.abort()

	src := newEntryReader(a, job.e)
	defer src.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := fill(src, buf)
		if n > 0 {
			if _, err := tmp.Write(buf[:n]); err != nil {
				return classifyWrite(err, job)
			}
			if meter != nil {
				meter.Add(int64(n))
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return contentError(rerr, job.e)
		}
	}
	if !job.e.Modified.IsZero() {
		if err := tmp.setModTime(job.e.Modified); err != nil {
			return classifyWrite(err, job)
		}
	}
	if err := tmp.commit(job.target); err != nil {
		return classifyWrite(err, job)
	}
	return nil
}

// fill reads into buf until it is full or the reader fails or ends. The
// Deflate reader returns little at a time; writing whole buffers keeps the
// system calls for a large file few.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// contentError turns a failure reading an entry into an exit-5 error.
func contentError(err error, e *Entry) error {
	var ee *entryError
	if !errors.As(err, &ee) {
		ee = &entryError{e, err}
	}
	return archiveError(IDCorrupt, e.RawName, "%s", ee.Error())
}

// classifyWrite turns a file-system failure into an error: a full disk
// ends the run (exit 6); a file in use or a refused write concerns that
// file only.
func classifyWrite(err error, job *fileJob) error {
	switch {
	case isDiskFull(err):
		return localError(IDDiskFull, err, "write", job.target).WithCategory("ResourceUnavailable")
	case errors.Is(err, safefile.ErrInUse):
		return bridge.New(bridge.KindLocal, IDFileInUse,
			"%s is in use by another process and was left as it was; try again when it is closed", job.target).
			WithTarget(job.target).WithCategory("ResourceBusy").WithDetail("Entry", job.e.RawName)
	}
	return localError(IDWriteFailed, err, "write", job.target).WithDetail("Entry", job.e.RawName)
}

// localError is an exit-6 error about a path.
func localError(id string, err error, what, path string) *bridge.Error {
	msg := strings.TrimSpace(what + " " + path)
	return bridge.Wrap(bridge.KindLocal, id, unwrapPath(err), "%s", msg).WithTarget(path)
}

// unwrapPath drops the path from *os.PathError messages, since the error
// message already names it.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
