module github.com/sysupdate/sysupdate

go 1.20

require (
	github.com/Azure/go-ntlmssp v0.0.0-20221128193559-754e69321358
	github.com/Masterminds/semver/v3 v3.2.1
	github.com/alexbrainman/sspi v0.0.0-20250919150558-7d374ff0d59e
	github.com/urfave/cli/v2 v2.27.7
	golang.org/x/net v0.35.0
	golang.org/x/sys v0.30.0
	golang.org/x/text v0.22.0
)

require (
	github.com/cpuguy83/go-md2man/v2 v2.0.7 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	github.com/xrash/smetrics v0.0.0-20240521201337-686a1a2994c1 // indirect
	golang.org/x/crypto v0.33.0 // indirect
)
