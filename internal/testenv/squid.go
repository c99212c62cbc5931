package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The Debian paths of Squid's authentication helpers.
const (
	squidBasicHelper = "/usr/lib/squid/basic_ncsa_auth"
	squidNTLMHelper  = "/usr/lib/squid/ntlm_fake_auth"
)

// SquidAuth is the authentication a test Squid demands.
type SquidAuth int

// The authentication schemes a test Squid can demand.
const (
	SquidNoAuth    SquidAuth = iota
	SquidBasicAuth           // Basic against Users (basic_ncsa_auth)
	SquidNTLMAuth            // NTLM through ntlm_fake_auth, which accepts any user
)

// SquidConfig describes a test Squid.
type SquidConfig struct {
	Auth SquidAuth
	// Users are the Basic accounts, name to password.
	Users map[string]string
	// Hosts are names Squid resolves to loopback addresses, from a hosts
	// file of its own, so tests can name a target without touching the
	// machine's /etc/hosts or any DNS server.
	Hosts map[string]string
	// Origin, when set (host:port of an HTTP server), makes Squid a
	// reverse proxy in front of it: clients talk to Squid as to a web
	// server, and its authentication answers 401 instead of 407.
	Origin string
}

// Squid is a Squid proxy started for one test on a loopback port.
type Squid struct {
	Addr      string // 127.0.0.1:port
	URL       string // http://127.0.0.1:port
	AccessLog string // Squid's access log, one line per request
	dir       string

	mu       sync.Mutex
	consumed int // access log lines WaitAccess has passed
}

// StartSquid starts Squid in the foreground with its own configuration in
// a fresh folder, and stops it when the test ends. Squid started as root
// drops to the proxy user, so the folder is writable for every user.
func StartSquid(t testing.TB, cfg SquidConfig) *Squid {
	t.Helper()
	squid := Require(t, "squid")
	dir, err := os.MkdirTemp("", "sysupdate-squid-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	s := &Squid{
		Addr:      fmt.Sprintf("127.0.0.1:%d", port),
		URL:       fmt.Sprintf("http://127.0.0.1:%d", port),
		AccessLog: filepath.Join(dir, "access.log"),
		dir:       dir,
	}

	var hosts strings.Builder
	for name, ip := range cfg.Hosts {
		fmt.Fprintf(&hosts, "%s %s\n", ip, name)
	}
	writeFile(t, filepath.Join(dir, "hosts"), hosts.String())

	var auth string
	switch cfg.Auth {
	case SquidBasicAuth:
		requireFile(t, squidBasicHelper)
		writeFile(t, filepath.Join(dir, "htpasswd"), htpasswd(t, cfg.Users))
		auth = fmt.Sprintf("auth_param basic program %s %s\n"+
			"auth_param basic children 2\nauth_param basic realm sysupdate-test\n"+
			"acl authenticated proxy_auth REQUIRED\nhttp_access allow authenticated\n",
			squidBasicHelper, filepath.Join(dir, "htpasswd"))
	case SquidNTLMAuth:
		requireFile(t, squidNTLMHelper)
		auth = fmt.Sprintf("auth_param ntlm program %s\nauth_param ntlm children 2\n"+
			"acl authenticated proxy_auth REQUIRED\nhttp_access allow authenticated\n", squidNTLMHelper)
	default:
		auth = "http_access allow localhost\n"
	}
	listen := s.Addr
	if cfg.Origin != "" {
		host, port, err := net.SplitHostPort(cfg.Origin)
		if err != nil {
			t.Fatalf("squid origin %q: %v", cfg.Origin, err)
		}
		listen += " accel defaultsite=" + cfg.Origin + " no-vhost"
		auth = fmt.Sprintf("cache_peer %s parent %s 0 no-query originserver name=origin\ncache_peer_access origin allow all\n", host, port) + auth
	}
	conf := fmt.Sprintf(`http_port %s
pid_filename %[2]s/squid.pid
access_log stdio:%[2]s/access.log
cache_log %[2]s/cache.log
cache_store_log none
coredump_dir %[2]s
cache deny all
hosts_file %[2]s/hosts
dns_nameservers 127.0.0.1
pinger_enable off
icp_port 0
htcp_port 0
netdb_filename none
logfile_rotate 0
shutdown_lifetime 0 seconds
cache_effective_user proxy
forwarded_for delete
%s
http_access deny all
`, listen, dir, auth)
	writeFile(t, filepath.Join(dir, "squid.conf"), conf)

	cmd := exec.Command(squid, "-N", "-f", filepath.Join(dir, "squid.conf"), "-n", fmt.Sprintf("sysupdate%d", port))
	cmd.Dir = dir
	out, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start squid: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); out.Close() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})

	// Squid listens once it has parsed its configuration and started its
	// helpers; poll the port, or give up if it exits.
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("squid exited at start (%v):\n%s\n%s", err, readFile(filepath.Join(dir, "stderr.log")),
				readFile(filepath.Join(dir, "cache.log")))
		default:
		}
		if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
			c.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("squid did not listen on %s:\n%s", s.Addr, readFile(filepath.Join(dir, "cache.log")))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// AccessLines returns the access log's lines so far.
func (s *Squid) AccessLines(t testing.TB) []string {
	t.Helper()
	f, err := os.Open(s.AccessLog)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// WaitAccess waits until a line of the access log after the last line it
// returned contains every one of parts, and returns it. Squid writes the
// line when the request ends, a tunnel's when it closes, so the line may
// come just after the client has its answer. It fails the test if no line
// comes.
func (s *Squid) WaitAccess(t testing.TB, parts ...string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		lines := s.AccessLines(t)
		if s.consumed > len(lines) {
			s.consumed = len(lines)
		}
		if i, ok := findLine(lines[s.consumed:], parts); ok {
			s.consumed += i + 1
			return lines[s.consumed-1]
		}
	}
	t.Fatalf("no access log line holds %q; the log:\n%s", parts, strings.Join(s.AccessLines(t), "\n"))
	return ""
}

// HasAccess reports whether a line of the access log so far contains
// every one of parts.
func (s *Squid) HasAccess(t testing.TB, parts ...string) bool {
	t.Helper()
	_, ok := findLine(s.AccessLines(t), parts)
	return ok
}

// CacheLog is Squid's own log, for failure messages.
func (s *Squid) CacheLog() string { return readFile(filepath.Join(s.dir, "cache.log")) }

// findLine returns the index of the first line holding every part.
func findLine(lines, parts []string) (int, bool) {
	for i, l := range lines {
		all := true
		for _, p := range parts {
			if !strings.Contains(l, p) {
				all = false
				break
			}
		}
		if all {
			return i, true
		}
	}
	return -1, false
}

// htpasswd writes Basic accounts with APR1 hashes made by openssl.
func htpasswd(t testing.TB, users map[string]string) string {
	t.Helper()
	openssl := Require(t, "openssl")
	names := make([]string, 0, len(users))
	for n := range users {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		cmd := exec.Command(openssl, "passwd", "-apr1", "-stdin")
		cmd.Stdin = strings.NewReader(users[n] + "\n")
		hash, err := cmd.Output()
		if err != nil {
			t.Fatalf("openssl passwd: %v", err)
		}
		fmt.Fprintf(&b, "%s:%s\n", n, strings.TrimSpace(string(hash)))
	}
	return b.String()
}

// freePort returns a loopback TCP port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// DeadAddr returns a loopback address where nothing listens, for tests of
// unreachable proxies.
func DeadAddr(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("127.0.0.1:%d", freePort(t))
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func requireFile(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(t, path+" is missing (apt-get install squid)")
	}
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
