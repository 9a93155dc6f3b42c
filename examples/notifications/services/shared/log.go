// Package shared holds helpers every service uses.
package shared

import "log/slog"

// Logger returns the service's structured logger.
func Logger(service string) *slog.Logger {
	return slog.Default().With("service", service)
}
