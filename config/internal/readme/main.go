// Command readme rewrites the configuration tables of a Markdown file (the
// README) from the options' definitions: `go generate ./config` runs it.
//
//	go run ./config/internal/readme README.md
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/facestat/facestat/config"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: readme FILE.md")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "readme:", err)
		os.Exit(1)
	}
}

// run rewrites path only when its tables change, so its time stays put.
func run(path string) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := config.SpliceTables(doc)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if bytes.Equal(out, doc) {
		return nil
	}
	return os.WriteFile(path, out, 0o644)
}
