// Package integration holds FaceStat's end-to-end tests: the real server
// over real HTTP, on SQLite and on PostgreSQL (a fresh database per test),
// and the built binary run as separate processes.
package integration
