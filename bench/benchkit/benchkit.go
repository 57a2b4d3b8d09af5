// Package benchkit holds what the benchmark programs under bench/ share: a
// PostgreSQL database of their own, the facestat binary built from the
// working tree and run as a child process, a GraphQL client and plausible
// castVote answers, CPU accounting from /proc, a description of the machine,
// and a few helpers for figures. It reads /proc where there is one (Linux).
package benchkit

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// EnvInt is the positive integer in the environment variable key, or def
// when the variable is unset, not a number or not positive.
func EnvInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}

// DescribeMachine names the CPUs, the memory and the platform, from
// /proc/cpuinfo and /proc/meminfo.
func DescribeMachine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				mem = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s/%s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH)
}

// DescribeTree names the commit the working tree is at, and whether it has
// changes of its own.
func DescribeTree() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "not a git checkout"
	}
	return "commit " + strings.TrimSpace(string(out))
}

// CountsLine is m as "key=count" pairs in key order, separated by spaces,
// or "none" when m is empty.
func CountsLine(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", k, m[k])
	}
	return b.String()
}

// Quantile is the q-quantile (0..1) of sorted, which is in ascending order:
// the element at index q*(len-1), rounded down. It is T's zero value when
// sorted is empty.
func Quantile[T any](sorted []T, q float64) T {
	if len(sorted) == 0 {
		var zero T
		return zero
	}
	return sorted[int(q*float64(len(sorted)-1))]
}
