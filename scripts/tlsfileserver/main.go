// Command tlsfileserver serves a folder over HTTPS on loopback with a
// certificate from a private CA made at start, for the demo and the
// benchmarks. It writes the CA certificate to a PEM file (for
// sysupdate --ca-file and curl --cacert) and prints the base URL on
// standard output once it accepts connections.
//
//	go run ./scripts/tlsfileserver -dir site -ca-out ca.pem
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/sysupdate/sysupdate/internal/loopcert"
)

func main() {
	dir := flag.String("dir", ".", "folder to serve")
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	caOut := flag.String("ca-out", "ca.pem", "file to write the CA certificate to")
	http1 := flag.Bool("http1", false, "offer HTTP/1.1 only, not HTTP/2")
	flag.Parse()

	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		log.Fatalf("%s is not a loopback address", host)
	}
	cert, caPEM, err := loopcert.New("tlsfileserver CA")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*caOut, caPEM, 0o644); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(*dir)), ReadHeaderTimeout: 10 * time.Second}
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if *http1 {
		srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	}
	fmt.Printf("https://%s/\n", ln.Addr())
	log.Fatal(srv.ServeTLS(ln, "", ""))
}
