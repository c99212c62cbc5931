package httpauth_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/internal/testenv"
	"github.com/sysupdate/sysupdate/pkg/httpauth"
)

// protectedSite puts a Squid reverse proxy that demands auth in front of a
// page, so the client meets a real server's 401 challenges.
func protectedSite(t *testing.T, auth testenv.SquidAuth, users map[string]string) (*testenv.Squid, string) {
	t.Helper()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "the protected page")
	}))
	t.Cleanup(origin.Close)
	squid := testenv.StartSquid(t, testenv.SquidConfig{Auth: auth, Users: users,
		Origin: strings.TrimPrefix(origin.URL, "http://")})
	return squid, squid.URL + "/page"
}

func fetch(t *testing.T, rt http.RoundTripper, url string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Transport: rt}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServerNTLMWithExplicitCredentials(t *testing.T) {
	t.Parallel()
	squid, page := protectedSite(t, testenv.SquidNTLMAuth, nil)

	status, _ := fetch(t, &httpauth.Transport{Base: &http.Transport{}}, page)
	if status != http.StatusUnauthorized {
		t.Fatalf("without credentials: status %d, want 401", status)
	}
	rt := &httpauth.Transport{Base: &http.Transport{}, Credentials: httpauth.Credentials{UserName: `CORP\carol`, Password: "pw"}}
	status, body := fetch(t, rt, page)
	if status != http.StatusOK || body != "the protected page" {
		t.Fatalf("with credentials: %d %q\n%s", status, body, squid.CacheLog())
	}
	if line := squid.WaitAccess(t, "/page", "200"); !strings.Contains(strings.ToLower(line), "carol") {
		t.Errorf("squid did not log the NTLM user: %s", line)
	}
	// A fresh transport: NTLM authenticates the connection, which the
	// first transport keeps.
	rt = &httpauth.Transport{Base: &http.Transport{}, Credentials: rt.Credentials, Host: "elsewhere.example"}
	if status, _ := fetch(t, rt, page); status != http.StatusUnauthorized {
		t.Errorf("credentials bound to another host were sent: status %d", status)
	}
}

func TestServerBasic(t *testing.T) {
	t.Parallel()
	_, page := protectedSite(t, testenv.SquidBasicAuth, map[string]string{"dave": "right-pw"})
	cases := []struct {
		name        string
		creds       httpauth.Credentials
		unencrypted bool
		want        int
	}{
		{"Basic is not sent over plain HTTP by default", httpauth.Credentials{UserName: "dave", Password: "right-pw"}, false, http.StatusUnauthorized},
		{"Basic over plain HTTP when allowed", httpauth.Credentials{UserName: "dave", Password: "right-pw"}, true, http.StatusOK},
		{"a wrong password returns the 401", httpauth.Credentials{UserName: "dave", Password: "wrong"}, true, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := &httpauth.Transport{Base: &http.Transport{}, Credentials: tc.creds, AllowUnencryptedBasic: tc.unencrypted}
			if status, body := fetch(t, rt, page); status != tc.want {
				t.Errorf("status %d (%q), want %d", status, body, tc.want)
			}
		})
	}
}
