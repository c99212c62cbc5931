// Package expand is the expand command: extract a zip archive into a
// folder, as Expand-Archive does, safely. It validates the whole archive
// before writing (see pkg/archive), reports conflicts per file, and emits a
// record per extracted file on request.
package expand

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sysupdate/sysupdate/pkg/archive"
	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// Options are the parameters of the expand command, named after
// Expand-Archive's.
type Options struct {
	Path                    string  `json:"Path" help:"the zip archive to extract (any file extension)"`
	DestinationPath         string  `json:"DestinationPath" help:"folder to extract into; default: a folder named after the archive in the current folder"`
	Force                   bool    `json:"Force" help:"replace files that exist already"`
	PassThru                bool    `json:"PassThru" help:"emit a record per extracted file"`
	FilenameEncoding        string  `json:"FilenameEncoding" help:"code page of entry names not marked as UTF-8, such as cp932 or cp437; default: the system OEM code page on Windows, cp437 elsewhere"`
	MaximumCompressionRatio float64 `json:"MaximumCompressionRatio" help:"refuse entries that claim to expand more than this many times (default 1100, above what Deflate can reach)"`
}

// FileInfo is the payload of a System.IO.FileInfo record: the properties
// of an extracted file that scripts use most.
type FileInfo struct {
	FullName         string    `json:"FullName"`
	Name             string    `json:"Name"`
	DirectoryName    string    `json:"DirectoryName"`
	Length           int64     `json:"Length"` // bytes
	LastWriteTimeUtc time.Time `json:"LastWriteTimeUtc"`
}

// Run extracts the archive opts.Path. Files that exist already and were
// not replaced are reported as non-terminating Error records and make the
// run partial (exit 7); every other failure ends the run.
func Run(ctx context.Context, out *bridge.Writer, opts *Options) error {
	if opts.Path == "" {
		return bridge.Usagef("PathMissing", "--path is required: the zip archive to extract")
	}
	src, err := filepath.Abs(opts.Path)
	if err != nil {
		return bridge.Usagef("PathInvalid", "--path %q: %v", opts.Path, err)
	}
	dest, err := destination(src, opts.DestinationPath)
	if err != nil {
		return err
	}
	openOpts := archive.OpenOptions{MaximumCompressionRatio: opts.MaximumCompressionRatio}
	if opts.MaximumCompressionRatio < 0 {
		return bridge.Usagef("BadCompressionRatio", "--maximum-compression-ratio must be positive")
	}
	if opts.FilenameEncoding != "" {
		enc, err := archive.LookupEncoding(opts.FilenameEncoding)
		if err != nil {
			return bridge.Usagef("UnknownFilenameEncoding", "--filename-encoding: %v", err)
		}
		openOpts.NameEncoding, openOpts.ExplicitEncoding = enc, true
	}

	a, err := archive.Open(src, openOpts)
	if err != nil {
		return err
	}
	defer a.Close()
	describe(out, a, opts.FilenameEncoding != "")

	meter := out.NewMeter("Expand", filepath.Base(src), archive.TotalSize(a.Entries))
	extractOpts := archive.ExtractOptions{Force: opts.Force, CheckFreeSpace: true, Log: out}
	if opts.PassThru {
		// TODO: folders are not emitted; PowerShell 7's Expand-Archive
		// -PassThru also emits a DirectoryInfo per folder, which a script
		// written for it may count on.
		extractOpts.OnExtracted = func(f archive.ExtractedFile) {
			out.Output("System.IO.FileInfo", FileInfo{
				FullName:         f.Path,
				Name:             filepath.Base(f.Path),
				DirectoryName:    filepath.Dir(f.Path),
				Length:           f.Entry.Size,
				LastWriteTimeUtc: f.Entry.Modified.UTC(),
			})
		}
	}
	res, err := a.Extract(ctx, dest, a.Entries, extractOpts, meter)
	meter.Done()
	for _, failed := range res.Failed {
		out.Error(failed)
	}
	if err != nil {
		return err
	}
	out.Verbosef("extracted %d files (%s) and created %d folders in %s",
		res.Files, bridge.FormatBytes(res.Bytes), res.Folders, dest)
	if n := len(res.Failed); n > 0 {
		return bridge.New(bridge.KindPartial, "ExpandPartial",
			"%d of the archive's files were not extracted; the records above say why", n).
			WithTarget(dest).WithDetail("Failed", n).WithDetail("Extracted", res.Files)
	}
	return nil
}

// destination resolves the folder to extract into: the one given, or a
// folder named after the archive, without its extension, in the current
// folder, as Expand-Archive does.
func destination(src, given string) (string, error) {
	if given != "" {
		dest, err := filepath.Abs(given)
		if err != nil {
			return "", bridge.Usagef("DestinationInvalid", "--destination-path %q: %v", given, err)
		}
		return dest, nil
	}
	base := filepath.Base(src)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	cwd, err := os.Getwd()
	if err != nil {
		return "", bridge.Wrap(bridge.KindLocal, "CurrentFolderUnusable", err, "find the current folder")
	}
	dest := filepath.Join(cwd, stem)
	if stem == "" || dest == src {
		return "", bridge.Usagef("DestinationNeeded",
			"the archive %s has no extension to drop for a folder name: give --destination-path", base)
	}
	return dest, nil
}

// describe writes Verbose records on how the archive was read.
func describe(out *bridge.Writer, a *archive.Archive, explicit bool) {
	if !out.VerboseEnabled() {
		return
	}
	source := "the system's default"
	if explicit {
		source = "--filename-encoding"
	}
	decoded := 0
	for _, e := range a.Entries {
		if e.NameSource == archive.NameFromCodePage {
			decoded++
		}
	}
	out.Verbosef("%s: %d entries, %s; names without a UTF-8 mark are read as %s (%s): %d entries were decoded with it",
		a.Path, len(a.Entries), bridge.FormatBytes(archive.TotalSize(a.Entries)), a.Encoding.Name, source, decoded)
	for _, s := range a.Skipped {
		out.Verbosef("skipped: %s", s)
	}
}
