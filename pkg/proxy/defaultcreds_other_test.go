//go:build !windows

package proxy_test

import (
	"strings"
	"testing"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/proxy"
)

func TestDefaultCredentialsOffWindowsWarn(t *testing.T) {
	var out strings.Builder
	_, err := proxy.NewRouter(proxy.Options{ProxyUseDefaultCredentials: true}, func(string) string { return "" },
		bridge.NewWriter(&out, false))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"Stream":"Warning"`) || !strings.Contains(out.String(), "Windows only") {
		t.Errorf("want a warning that the logged-on user's credentials work on Windows only, got %s", out.String())
	}
}
