package mirror

import (
	"context"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/netclient"
)

// Common are the parameters the sync and sysinternals commands share.
type Common struct {
	Path           string   `json:"Path" help:"the folder to keep current"`
	Include        []string `json:"Include" help:"only names or relative paths matching these wildcard patterns (repeatable)"`
	Exclude        []string `json:"Exclude" help:"leave out names or relative paths matching these wildcard patterns (repeatable)"`
	Recurse        bool     `json:"Recurse" help:"follow subfolders of the source too"`
	Prune          bool     `json:"Prune" help:"remove files this tool installed that the source no longer has"`
	WhatIf         bool     `json:"WhatIf" help:"show what would change, change nothing"`
	AllowDowngrade bool     `json:"AllowDowngrade" help:"install a file even when its version is older than the one on disk"`
	ThrottleLimit  int64    `json:"ThrottleLimit" help:"files fetched at once"`
	LockTimeoutSec int64    `json:"LockTimeoutSec" help:"seconds to wait while another run updates the folder, then exit 6; 0 tries once"`
	RandomDelaySec int64    `json:"RandomDelaySec" help:"first wait a random time up to this many seconds, so a fleet does not start at once"`
	LogFile        string   `json:"LogFile" help:"append one line per run and per change to this file"`
	NetOptions
}

// Options are the parameters of the sync command.
type Options struct {
	Uri string `json:"Uri" help:"the source: the URL of a directory listing, or a local or UNC folder"`
	Common
}

// NewCommon returns the shared parameters at their defaults: the web
// cmdlets' network defaults, 4 files at once, and a minute's wait for
// another run (a login script's run takes seconds when little changed).
func NewCommon() Common {
	return Common{ThrottleLimit: 4, LockTimeoutSec: 60,
		NetOptions: NetOptions{ClientOptions: netclient.Defaults()}}
}

// NewOptions returns the sync command's parameters at their defaults.
func NewOptions() *Options { return &Options{Common: NewCommon()} }

// Config turns the shared parameters into a Config for src.
func (c *Common) Config(src Source) (Config, error) {
	if c.Path == "" {
		return Config{}, bridge.Usagef("PathRequired", "--path is required: the folder to keep current")
	}
	if c.ThrottleLimit < 1 || c.ThrottleLimit > 64 {
		return Config{}, bridge.Usagef("BadThrottleLimit", "--throttle-limit takes 1 to 64, not %d", c.ThrottleLimit)
	}
	if c.LockTimeoutSec < 0 || c.RandomDelaySec < 0 {
		return Config{}, bridge.Usagef("BadSeconds", "--lock-timeout-sec and --random-delay-sec take zero or more seconds")
	}
	lockTimeout := time.Duration(c.LockTimeoutSec) * time.Second
	return Config{
		Dir: c.Path, Source: src, Include: c.Include, Exclude: c.Exclude,
		Recurse: c.Recurse, Prune: c.Prune, WhatIf: c.WhatIf, AllowDowngrade: c.AllowDowngrade,
		Parallel: int(c.ThrottleLimit), LockTimeout: lockTimeout, LogFile: c.LogFile,
		RandomDelay: time.Duration(c.RandomDelaySec) * time.Second,
	}, nil
}

// IsURL reports whether s is an http or https URL rather than a path.
func IsURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

// OpenSource returns the source for a listing URL or a folder path.
func OpenSource(uri string, net NetOptions, out *bridge.Writer) (Source, error) {
	if uri == "" {
		return nil, bridge.Usagef("UriRequired", "--uri is required: a directory listing URL or a folder")
	}
	if IsURL(uri) {
		g, err := NewGetter(net, out)
		if err != nil {
			return nil, err
		}
		return NewHTTPSource(uri, g)
	}
	info, err := os.Stat(uri)
	if err != nil || !info.IsDir() {
		return nil, bridge.Usagef("SourceNotFound", "%s is neither an http(s) URL nor an existing folder", uri).WithTarget(uri)
	}
	return &FolderSource{Root: uri}, nil
}

// closeSource releases what a source holds (connections, an archive).
func closeSource(src Source) {
	if c, ok := src.(io.Closer); ok {
		c.Close()
	}
}

// Run mirrors opts.Uri into opts.Path.
func Run(ctx context.Context, out *bridge.Writer, opts *Options) error {
	src, err := OpenSource(opts.Uri, opts.NetOptions, out)
	if err != nil {
		return err
	}
	defer closeSource(src)
	cfg, err := opts.Common.Config(src)
	if err != nil {
		return err
	}
	_, err = Sync(ctx, out, cfg)
	return err
}
