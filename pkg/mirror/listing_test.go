package mirror

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

type wantEntry struct {
	name string
	dir  bool
	size int64
	time string // 2006-01-02 15:04, empty for none
	url  string
}

func TestParseListingSamples(t *testing.T) {
	cases := []struct {
		name   string
		file   string
		base   string
		format string
		want   []wantEntry
	}{
		{"IIS root", "iis-root.html", "https://live.sysinternals.com/", FormatIIS, []wantEntry{
			{"Files", true, -1, "2024-05-14 20:54", "https://live.sysinternals.com/Files/"},
			{"accesschk.exe", false, 817280, "2023-09-21 17:17", "https://live.sysinternals.com/accesschk.exe"},
			{"accesschk64.exe", false, 470912, "2023-09-21 17:17", ""},
			{"ADExplorer.chm", false, 1049, "2023-11-08 00:02", ""},
			{"ADExplorer.exe", false, 2571656, "2024-01-15 10:31", ""},
			{"Eula.txt", false, 7005, "2009-02-19 23:36", ""},
			{"procexp.exe", false, 2642808, "2024-06-07 16:05", ""},
			{"procexp64.exe", false, 1451384, "2024-06-07 16:05", ""},
			{"procexp64a.exe", false, 1671032, "2024-06-07 16:05", ""},
			{"Procmon.exe", false, 3565848, "2024-03-05 09:00", ""},
			{"empty file.txt", false, 0, "2024-03-05 09:00", "https://live.sysinternals.com/empty%20file.txt"},
			{"Tools", true, -1, "2024-05-14 20:54", ""},
		}},
		{"Apache table", "apache-table.html", "https://127.0.0.1/mirror/sysinternals/", FormatApache, []wantEntry{
			{"Eula.txt", false, -1, "2009-02-19 23:36", "https://127.0.0.1/mirror/sysinternals/Eula.txt"},
			{"Files", true, -1, "2024-05-14 20:54", ""},
			{"procexp.exe", false, -1, "2024-06-07 16:05", ""},
			{"procexp64.exe", false, -1, "2024-06-07 16:05", ""},
			{"tiny.ini", false, 512, "2024-01-02 03:04", ""},
			{"with space.txt", false, 12, "2024-01-02 03:04", ""},
		}},
		{"Apache preformatted", "apache-pre.html", "https://localhost:8443/tools/", FormatApache, []wantEntry{
			{"Eula.txt", false, -1, "2009-02-19 23:36", ""},
			{"handle.exe", false, -1, "2023-10-30 09:15", "https://localhost:8443/tools/handle.exe"},
			{"small.cfg", false, 118, "2023-10-30 09:15", ""},
			{"sub", true, -1, "2023-10-30 09:15", ""},
		}},
		{"nginx", "nginx.html", "https://[::1]:8443/sysinternals/", FormatNginx, []wantEntry{
			{"Files", true, -1, "2024-05-14 20:54", ""},
			{"Eula.txt", false, 7005, "2009-02-19 23:36", ""},
			{"procexp.exe", false, 2642808, "2024-06-07 16:05", "https://[::1]:8443/sysinternals/procexp.exe"},
			{"a very long name that nginx cuts short.txt", false, 42, "2024-01-01 00:00", ""},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			format, entries, err := ParseListing(body, mustURL(t, tc.base))
			if err != nil {
				t.Fatal(err)
			}
			if format != tc.format {
				t.Errorf("format %q, want %q", format, tc.format)
			}
			if len(entries) != len(tc.want) {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name)
				}
				t.Fatalf("got %d entries %q, want %d", len(entries), names, len(tc.want))
			}
			for i, w := range tc.want {
				e := entries[i]
				if e.Name != w.name || e.Dir != w.dir || e.Size != w.size {
					t.Errorf("entry %d: %q dir=%v size=%d, want %q dir=%v size=%d",
						i, e.Name, e.Dir, e.Size, w.name, w.dir, w.size)
				}
				if got := e.Time.Format("2006-01-02 15:04"); w.time != "" && got != w.time {
					t.Errorf("%s: time %s, want %s", e.Name, got, w.time)
				}
				if w.url != "" && e.URL != w.url {
					t.Errorf("%s: URL %s, want %s", e.Name, e.URL, w.url)
				}
			}
		})
	}
}

func TestParseListingRejectsOtherPages(t *testing.T) {
	pages := map[string]string{
		"plain page":     "<html><body><h1>Hello</h1><p>No listing here.</p></body></html>",
		"empty":          "",
		"pre without br": "<pre>just some code\nwith lines</pre>",
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			if _, _, err := ParseListing([]byte(page), mustURL(t, "https://h/")); err != ErrUnknownListing {
				t.Errorf("err = %v, want ErrUnknownListing", err)
			}
		})
	}
}

func TestParseListingKeepsOnlySafeChildren(t *testing.T) {
	item := func(href string) string {
		return "  Thursday, September 21, 2023  5:17 PM       817280 <A HREF=\"" + href + "\">x</A><br>"
	}
	hrefs := []string{
		"/other/x.exe", "https://evil.example/x.exe", "/a/b/c.exe", "/%2e%2e/x.exe",
		"/..%2fx.exe", "/con.exe", "/x.exe?download", "/.sysupdate/state.json",
		"/a%5cb.exe", "/nul", "/trailing.", "/ctl%01.exe", "/.sysupdate-tmp-1-x",
	}
	page := "<pre>" + item("/a/ok.exe")
	for _, h := range hrefs {
		page += item(h)
	}
	page += "</pre>"
	_, entries, err := ParseListing([]byte(page), mustURL(t, "https://h/a/"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name != "ok.exe" {
		t.Fatalf("entries %+v, want only ok.exe", entries)
	}
}

func TestIISTimesAreTwelveHour(t *testing.T) {
	page := "<pre>" +
		"   Monday, January 1, 2024 12:00 AM          1 <A HREF=\"/midnight\">m</A><br>" +
		"   Monday, January 1, 2024 12:30 PM          1 <A HREF=\"/noon\">n</A><br>" +
		"   Monday, January 1, 2024  1:05 PM          1 <A HREF=\"/one\">o</A><br></pre>"
	_, entries, err := ParseListing([]byte(page), mustURL(t, "https://h/"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"00:00", "12:30", "13:05"}
	for i, e := range entries {
		if got := e.Time.Format("15:04"); got != want[i] {
			t.Errorf("%s at %s, want %s", e.Name, got, want[i])
		}
	}
}

// FuzzParseListing checks that no page makes the parser panic, and that
// every name it returns is safe to write in the target folder.
func FuzzParseListing(f *testing.F) {
	for _, name := range []string{"iis-root.html", "apache-table.html", "apache-pre.html", "nginx.html"} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add([]byte("<pre> Monday, January 1, 2024 1:00 PM 5 <a href='/x'>x</a><br></pre>"))
	f.Add([]byte("<table><tr><td><a href=\"..\">..</a></td></tr></table>Index of"))
	base, _ := url.Parse("https://h/d/")
	f.Fuzz(func(t *testing.T, body []byte) {
		_, entries, err := ParseListing(body, base)
		if err != nil {
			return
		}
		for _, e := range entries {
			if !SafeName(e.Name) || strings.ContainsAny(e.Name, `/\`) {
				t.Fatalf("unsafe name %q", e.Name)
			}
			if !strings.HasPrefix(e.URL, "https://h/d/") {
				t.Fatalf("entry %q outside the folder: %s", e.Name, e.URL)
			}
			if e.Size < -1 || (!e.Time.IsZero() && e.Time.Year() > 9999) {
				t.Fatalf("bad size or time: %+v", e)
			}
		}
	})
}
