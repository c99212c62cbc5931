package netclient

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		value string
		want  time.Duration
		ok    bool
	}{
		{"seconds", "3", 3 * time.Second, true},
		{"zero", "0", 0, true},
		{"an HTTP date ahead", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"an HTTP date past", now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"days are capped", "864000", maxRetryAfter, true},
		{"negative", "-5", 0, false},
		{"empty", "", 0, false},
		{"garbage", "soon", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := retryAfter(tc.value, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tc.value, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestVersionRange(t *testing.T) {
	cases := []struct {
		spec     string
		min, max uint16
	}{
		{"", 0x0303, 0x0304},
		{"Default", 0x0303, 0x0304},
		{"tls12", 0x0303, 0x0303},
		{"Tls13", 0x0304, 0x0304},
		{"Tls12, Tls13", 0x0303, 0x0304},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			minVersion, maxVersion, err := versionRange(tc.spec)
			if err != nil || minVersion != tc.min || maxVersion != tc.max {
				t.Errorf("versionRange(%q) = %x, %x, %v", tc.spec, minVersion, maxVersion, err)
			}
		})
	}
}
