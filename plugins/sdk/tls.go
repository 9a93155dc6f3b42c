package sdk

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"
)

// The connection between kirofile and a plugin is mutual TLS, as with
// go-plugin's AutoMTLS, with a fresh certificate on each side for each
// plugin process; but the certificates are P-256 ECDSA, where AutoMTLS
// makes P-521 ones. Creating and checking P-521 keys and signatures took
// about 30 ms of CPU of every plugin start (both processes), on the path
// of a run's first request; P-256 takes well under 1 ms.
//
// AutoMTLS has each side create its own key, the plugin sending its
// certificate back in its handshake line; go-plugin chooses the key type.
// Here the host creates both: the plugin's certificate and key travel in
// EnvTLS, which the plugin removes from its environment before serving
// (its children, a hook's commands, do not inherit it), and the host
// trusts that certificate alone. The host also sets AutoMTLS's own
// variable, PLUGIN_CLIENT_CERT, with its certificate: a plugin built with
// an earlier SDK, which ignores EnvTLS, answers with AutoMTLS as before,
// and go-plugin's client then trusts the certificate it sends instead.
//
// Anyone who can read a process's environment (its user, root) can read
// its memory too, where AutoMTLS keeps its keys: handing the key over in
// the environment weakens nothing.

// EnvTLS names the variable that carries the plugin's certificate and
// private key (PEM) from the host.
const EnvTLS = "KIROFILE_PLUGIN_TLS"

// envClientCert is go-plugin's variable for the host's certificate (PEM).
const envClientCert = "PLUGIN_CLIENT_CERT"

// tlsServerName is the name both certificates carry, and the one
// go-plugin's client expects.
const tlsServerName = "localhost"

// HostTLS prepares the mutual TLS of one plugin process: the host's side
// of the connection, and the variables to add to the plugin's
// environment.
func HostTLS() (*tls.Config, []string, error) {
	hostCert, _, err := newCertificate()
	if err != nil {
		return nil, nil, err
	}
	pluginCert, pluginPEM, err := newCertificate()
	if err != nil {
		return nil, nil, err
	}
	trusted := x509.NewCertPool()
	trusted.AddCert(pluginCert.Leaf)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{hostCert},
		RootCAs:      trusted,
		ServerName:   tlsServerName,
		MinVersion:   tls.VersionTLS12, // AutoMTLS's, for plugins of earlier SDKs
	}
	env := []string{envClientCert + "=" + string(certPEM(hostCert)), EnvTLS + "=" + string(pluginPEM)}
	return cfg, env, nil
}

// serverTLS is the plugin's side of the connection when the host handed
// it a certificate (EnvTLS), and nil otherwise: go-plugin then does
// AutoMTLS, or serves a host that asked for no TLS.
func serverTLS() (*tls.Config, error) {
	pair, ok := os.LookupEnv(EnvTLS)
	if !ok {
		return nil, nil
	}
	// Before anything else runs: what the plugin starts must not inherit
	// the key.
	if err := os.Unsetenv(EnvTLS); err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair([]byte(pair), []byte(pair))
	if err != nil {
		return nil, fmt.Errorf("the certificate kirofile handed over (%s): %w", EnvTLS, err)
	}
	host := x509.NewCertPool()
	if !host.AppendCertsFromPEM([]byte(os.Getenv(envClientCert))) {
		return nil, errors.New("kirofile handed over a certificate (" + EnvTLS + ") but not its own (" + envClientCert + ")")
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    host,
		MinVersion:   tls.VersionTLS13,
	}, nil
}

// newCertificate makes a self-signed P-256 certificate for one end of one
// connection, and returns it with its PEM (certificate, then key).
func newCertificate() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: tlsServerName, Organization: []string{"kirofile plugin"}},
		DNSNames:     []string{tlsServerName},
		// A plugin process lives as long as its run; watch runs for days.
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	var b bytes.Buffer
	b.Write(certPEM(cert))
	if err := pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}); err != nil {
		return tls.Certificate{}, nil, err
	}
	return cert, b.Bytes(), nil
}

func certPEM(c tls.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
}
