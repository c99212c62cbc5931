package main

import "testing"

func TestKebabFollowsPowerShellParameterNames(t *testing.T) {
	cases := map[string]string{
		"Uri":                        "uri",
		"OutFile":                    "out-file",
		"MaximumRetryCount":          "maximum-retry-count",
		"SkipCertificateCheck":       "skip-certificate-check",
		"CAFile":                     "ca-file",
		"ProxyUseDefaultCredentials": "proxy-use-default-credentials",
		"TimeoutSec":                 "timeout-sec",
		"SkipHttpErrorCheck":         "skip-http-error-check",
		"Tls12":                      "tls12",
	}
	for in, want := range cases {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
}
