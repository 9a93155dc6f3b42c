package sdk

import (
	"crypto/tls"
	"net"
	"os"
	"strings"
	"testing"
)

// setPluginEnv sets what the host hands a plugin in its environment.
func setPluginEnv(t *testing.T, env []string) {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// tlsPair makes the host's side of a connection and, from the
// environment the host hands over, the plugin's.
func tlsPair(t *testing.T) (host, plugin *tls.Config) {
	t.Helper()
	host, env, err := HostTLS()
	if err != nil {
		t.Fatal(err)
	}
	setPluginEnv(t, env)
	if plugin, err = serverTLS(); err != nil {
		t.Fatal(err)
	}
	return host, plugin
}

// handshake runs a TLS handshake between the two configurations over an
// in-memory connection and returns each side's error.
func handshake(host, plugin *tls.Config) (hostErr, pluginErr error) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	done := make(chan error, 1)
	go func() {
		s := tls.Server(b, plugin)
		err := s.Handshake()
		if err != nil {
			b.Close() // unblocks the client
		}
		done <- err
	}()
	c := tls.Client(a, host)
	hostErr = c.Handshake()
	if hostErr != nil {
		a.Close()
	}
	return hostErr, <-done
}

func TestServerTLS(t *testing.T) {
	t.Run("no certificate handed over", func(t *testing.T) {
		os.Unsetenv(EnvTLS)
		cfg, err := serverTLS()
		if cfg != nil || err != nil {
			t.Fatalf("serverTLS() = %v, %v; want nil, nil (go-plugin's AutoMTLS then)", cfg, err)
		}
	})
	t.Run("the pair connects, and the key leaves the environment", func(t *testing.T) {
		host, plugin := tlsPair(t)
		if _, ok := os.LookupEnv(EnvTLS); ok {
			t.Errorf("%s is still in the environment", EnvTLS)
		}
		if herr, perr := handshake(host, plugin); herr != nil || perr != nil {
			t.Fatalf("handshake: host %v, plugin %v", herr, perr)
		}
	})
	t.Run("another run's host is refused", func(t *testing.T) {
		_, plugin := tlsPair(t)
		other, _, err := HostTLS()
		if err != nil {
			t.Fatal(err)
		}
		if herr, perr := handshake(other, plugin); herr == nil && perr == nil {
			t.Fatal("a host with other certificates connected")
		}
	})
	for name, env := range map[string][]string{
		"garbage":               {EnvTLS + "=not a certificate", envClientCert + "=x"},
		"no host certificate":   nil, // EnvTLS from a real pair, PLUGIN_CLIENT_CERT empty
		"a certificate, no key": nil,
	} {
		t.Run(name, func(t *testing.T) {
			if env == nil {
				_, pair, err := HostTLS()
				if err != nil {
					t.Fatal(err)
				}
				setPluginEnv(t, pair)
				if name == "no host certificate" {
					t.Setenv(envClientCert, "")
				} else {
					v := os.Getenv(EnvTLS)
					t.Setenv(EnvTLS, v[:strings.Index(v, "-----BEGIN PRIVATE KEY")])
				}
			} else {
				setPluginEnv(t, env)
			}
			if cfg, err := serverTLS(); err == nil {
				t.Fatalf("serverTLS() = %v, nil; want an error", cfg)
			}
		})
	}
}
