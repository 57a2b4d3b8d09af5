package benchkit

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var opBucketRE = regexp.MustCompile(`^facestat_graphql_operation_duration_seconds_bucket\{(.*)le="([^"]+)"\} (\S+)$`)

// OperationLatencies reads the server's facestat_graphql_operation_duration_seconds
// histograms (since it started) and returns one line per operation name:
// its count and the bucket bounds its 50th and 99th percentiles fall in,
// so that a bench can say which operation its slow views waited for.
func OperationLatencies(base string) (string, error) {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	type hist struct {
		le  []float64
		cum []float64
	}
	ops := map[string]*hist{}
	for _, line := range strings.Split(string(raw), "\n") {
		m := opBucketRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := "?"
		if _, rest, ok := strings.Cut(m[1], `operation="`); ok {
			name, _, _ = strings.Cut(rest, `"`)
		}
		le, _ := strconv.ParseFloat(m[2], 64)
		v, _ := strconv.ParseFloat(m[3], 64)
		h := ops[name]
		if h == nil {
			h = &hist{}
			ops[name] = h
		}
		// Outcomes and types of one name add up, bucket by bucket.
		if i := slices.Index(h.le, le); i >= 0 {
			h.cum[i] += v
		} else {
			h.le, h.cum = append(h.le, le), append(h.cum, v)
		}
	}
	names := make([]string, 0, len(ops))
	for name := range ops {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		h := ops[name]
		total := h.cum[len(h.cum)-1]
		if total == 0 {
			continue
		}
		at := func(q float64) string {
			for i, c := range h.cum {
				if c >= q*total {
					if h.le[i] > 1e300 && i > 0 {
						return "> " + strconv.FormatFloat(h.le[i-1]*1000, 'f', -1, 64) + " ms"
					}
					return "≤ " + strconv.FormatFloat(h.le[i]*1000, 'f', -1, 64) + " ms"
				}
			}
			return "?"
		}
		fmt.Fprintf(&b, "  %-28s %8.0f  p50 %-10s p99 %s\n", cmpName(name), total, at(0.5), at(0.99))
	}
	// The vote ingester's transactions (facestat_vote_batch_size): a
	// vote's PostgreSQL cost falls as its batch grows.
	var sum, count float64
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "facestat_vote_batch_size_sum "); ok {
			sum, _ = strconv.ParseFloat(v, 64)
		} else if v, ok := strings.CutPrefix(line, "facestat_vote_batch_size_count "); ok {
			count, _ = strconv.ParseFloat(v, 64)
		}
	}
	if count > 0 {
		fmt.Fprintf(&b, "  vote transactions %12.0f  mean %.1f votes each\n", count, sum/count)
	}
	return b.String(), nil
}

func cmpName(name string) string {
	if name == "" {
		return "(anonymous)"
	}
	return name
}
