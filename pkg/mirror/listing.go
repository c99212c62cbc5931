// Package mirror keeps a folder equal to a remote or local source folder:
// it parses directory listings (IIS, Apache, nginx), plans what changed
// against the state of the last run, and applies the plan so that every
// file is either its old or its new version at any moment.
package mirror

import (
	"errors"
	"html"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Entry is one file or folder of a source listing.
type Entry struct {
	Name string    // the name in its folder, unescaped
	URL  string    // where to fetch it (a URL, or a path for a folder source)
	Dir  bool      // a subfolder
	Size int64     // bytes; -1 when the listing gives none or only a rounded one
	Time time.Time // the listed modification time, zero when not given; IIS gives server-local time, kept as if UTC
	// CRC32 is the zip checksum of an archive member, 0 when unknown.
	CRC32 uint32
}

// Listing formats, as ParseListing names them.
const (
	FormatIIS    = "IIS"
	FormatApache = "Apache"
	FormatNginx  = "nginx"
)

// ErrUnknownListing reports a page that is not a directory listing this
// package understands.
var ErrUnknownListing = errors.New("mirror: not a directory listing (IIS, Apache or nginx)")

var (
	preRE    = regexp.MustCompile(`(?is)<pre[^>]*>(.*?)</pre>`)
	brRE     = regexp.MustCompile(`(?i)<br\s*/?>`)
	anchorRE = regexp.MustCompile(`(?is)<a\s[^>]*?href\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>(.*?)</a>`)
	tagRE    = regexp.MustCompile(`(?s)<[^>]*>`)
	rowRE    = regexp.MustCompile(`(?is)<tr[^>]*>(.*?)</tr>`)
	cellRE   = regexp.MustCompile(`(?is)<t[dh][^>]*>(.*?)</t[dh]>`)
	// An IIS entry: "Thursday, February 19, 2009 11:36 PM" then a size
	// or &lt;dir&gt;.
	iisEntryRE = regexp.MustCompile(`^\s*([A-Za-z]+,\s+[A-Za-z]+\s+\d{1,2},\s+\d{4}\s+\d{1,2}:\d{2}\s+[AaPp][Mm])\s+(\d+|&lt;dir&gt;|<dir>)\s*$`)
)

// ParseListing reads a directory listing page fetched from base, the URL
// of the folder (ending in /). It returns the entries that are direct
// children of that folder; links elsewhere (the parent, sort links, other
// hosts) and names that would be unsafe to write are left out.
func ParseListing(body []byte, base *url.URL) (format string, entries []Entry, err error) {
	text := string(body)
	pres := preRE.FindAllStringSubmatch(text, -1)
	for _, pre := range pres {
		if brRE.MatchString(pre[1]) && looksIIS(pre[1]) {
			return FormatIIS, parseIIS(pre[1], base), nil
		}
	}
	lower := strings.ToLower(text)
	if strings.Contains(lower, "<table") && strings.Contains(lower, "index of") {
		return FormatApache, parseTable(text, base), nil
	}
	for _, pre := range pres {
		if strings.Contains(lower, "index of") && anchorRE.MatchString(pre[1]) {
			format := FormatApache
			if !strings.Contains(lower, "<img") && !strings.Contains(lower, "<address>") {
				format = FormatNginx
			}
			return format, parseLines(pre[1], base), nil
		}
	}
	return "", nil, ErrUnknownListing
}

func looksIIS(pre string) bool {
	for _, item := range brRE.Split(pre, -1) {
		if loc := anchorRE.FindStringIndex(item); loc != nil && iisEntryRE.MatchString(item[:loc[0]]) {
			return true
		}
	}
	return false
}

// parseIIS reads IIS directory browsing: entries separated by <br>, each
// an en-US long date, a 12-hour time, a size or <dir>, and a link with an
// absolute href.
func parseIIS(pre string, base *url.URL) []Entry {
	var entries []Entry
	for _, item := range brRE.Split(pre, -1) {
		loc := anchorRE.FindStringSubmatchIndex(item)
		if loc == nil {
			continue
		}
		m := iisEntryRE.FindStringSubmatch(item[:loc[0]])
		if m == nil {
			continue // the "[To Parent Directory]" link has no date
		}
		e, ok := entryFor(base, anchorHref(item, loc))
		if !ok {
			continue
		}
		stamp := strings.Join(strings.Fields(m[1]), " ")
		if t, err := time.Parse("Monday, January 2, 2006 3:04 PM", stamp); err == nil {
			e.Time = t
		}
		if m[2] == "&lt;dir&gt;" || m[2] == "<dir>" {
			e.Dir = true
		} else if !e.Dir {
			e.Size, _ = strconv.ParseInt(m[2], 10, 64)
		}
		entries = append(entries, e)
	}
	return entries
}

// parseLines reads the preformatted listings of nginx and of Apache without
// tables: one entry a line, a link then a date and a size.
func parseLines(pre string, base *url.URL) []Entry {
	var entries []Entry
	for _, line := range strings.Split(pre, "\n") {
		loc := anchorRE.FindStringSubmatchIndex(line)
		if loc == nil {
			continue
		}
		e, ok := entryFor(base, anchorHref(line, loc))
		if !ok {
			continue
		}
		fields := strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(line[loc[1]:], " ")))
		e.Time, e.Size = dateAndSize(fields, e.Dir)
		entries = append(entries, e)
	}
	return entries
}

// parseTable reads Apache's fancy index in a table: a row per entry, with
// cells for the icon, the link, the date, the size and a description.
func parseTable(text string, base *url.URL) []Entry {
	var entries []Entry
	for _, row := range rowRE.FindAllStringSubmatch(text, -1) {
		loc := anchorRE.FindStringSubmatchIndex(row[1])
		if loc == nil {
			continue
		}
		e, ok := entryFor(base, anchorHref(row[1], loc))
		if !ok {
			continue
		}
		var fields []string
		for _, cell := range cellRE.FindAllStringSubmatch(row[1][loc[1]:], -1) {
			fields = append(fields, strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(cell[1], " ")))...)
		}
		e.Time, e.Size = dateAndSize(fields, e.Dir)
		entries = append(entries, e)
	}
	return entries
}

var lineDateLayouts = []string{
	"02-Jan-2006 15:04:05",
	"02-Jan-2006 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
}

// dateAndSize finds the date (two fields) and the size (the field after
// it) among the words that follow a link. A size with a unit suffix is
// rounded, so it is reported unknown.
func dateAndSize(fields []string, dir bool) (time.Time, int64) {
	for i := 0; i+1 < len(fields); i++ {
		stamp := fields[i] + " " + fields[i+1]
		for _, layout := range lineDateLayouts {
			t, err := time.Parse(layout, stamp)
			if err != nil {
				continue
			}
			size := int64(-1)
			if !dir && i+2 < len(fields) {
				if n, err := strconv.ParseInt(fields[i+2], 10, 64); err == nil && n >= 0 {
					size = n
				}
			}
			return t, size
		}
	}
	return time.Time{}, -1
}

func anchorHref(s string, loc []int) string {
	for _, g := range []int{2, 3, 4} {
		if loc[2*g] >= 0 {
			return html.UnescapeString(s[loc[2*g]:loc[2*g+1]])
		}
	}
	return ""
}

// entryFor resolves a link against the listing's URL and accepts it only
// when it names a direct child of that folder with a safe name.
func entryFor(base *url.URL, href string) (Entry, bool) {
	if href == "" || strings.ContainsAny(href, "?#") {
		return Entry{}, false
	}
	ref, err := url.Parse(href)
	if err != nil {
		return Entry{}, false
	}
	u := base.ResolveReference(ref)
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return Entry{}, false
	}
	dirPath := base.Path
	if !strings.HasSuffix(dirPath, "/") {
		dirPath += "/"
	}
	if !strings.HasPrefix(u.Path, dirPath) {
		return Entry{}, false
	}
	rest := u.Path[len(dirPath):]
	dir := strings.HasSuffix(rest, "/")
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" || strings.Contains(rest, "/") || !SafeName(rest) {
		return Entry{}, false
	}
	return Entry{Name: rest, URL: u.String(), Dir: dir, Size: -1}, true
}

// reservedNames cannot be files on Windows, whatever their extension.
var reservedNames = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true,
	"COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true,
	"LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// SafeName reports whether name can be written as one file in a folder on
// any system: no separators, no parent reference, no characters Windows
// forbids, no reserved device name, not the state folder or a temporary
// name of this tool.
func SafeName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 255 {
		return false
	}
	if strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") {
		return false // Windows strips them, so two names would meet
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) || r == 0xfffd {
			return false
		}
	}
	stem := strings.ToUpper(name)
	if i := strings.IndexByte(stem, '.'); i >= 0 {
		stem = stem[:i]
	}
	if reservedNames[stem] {
		return false
	}
	lower := strings.ToLower(name)
	return lower != stateDirName && !strings.HasPrefix(lower, ".sysupdate-")
}

// childURL is the URL of a subfolder's listing.
func childURL(e Entry) string {
	if strings.HasSuffix(e.URL, "/") {
		return e.URL
	}
	return e.URL + "/"
}

// joinRel joins a relative folder and a name with a forward slash.
func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return path.Join(dir, name)
}

const stateDirName = ".sysupdate"
