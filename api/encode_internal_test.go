package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/facestat/facestat/ratelimit"
)

// TestEncodeResponseAsTheEncoder: a response is the bytes encoding/json's
// encoder writes of it, whichever way encodeResponse takes: data with
// spaces, quotes and escapes in its strings, with the characters the
// encoder escapes (the encoder's way), with extensions, with errors.
func TestEncodeResponseAsTheEncoder(t *testing.T) {
	encoder := func(errs gqlerror.List, data json.RawMessage, ext map[string]any) []byte {
		var b bytes.Buffer
		if err := json.NewEncoder(&b).Encode(struct {
			Errors     gqlerror.List   `json:"errors,omitempty"`
			Data       json.RawMessage `json:"data,omitempty"`
			Extensions map[string]any  `json:"extensions,omitempty"`
		}{errs, data, ext}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", " ", "é", `\"`, `\\`, `\n`, "<", ">", "&", "\u2028", "\u2029", "—", "x y", "0"}
	var datas []json.RawMessage
	for range 300 {
		var s []byte
		for range r.IntN(12) {
			s = append(s, pieces[r.IntN(len(pieces))]...)
		}
		datas = append(datas, json.RawMessage(`{"photo":{"id":"UGhvdG86MQ==","caption":"`+string(s)+`","n":[1,2.5,-3],"ok":true,"none":null}}`))
	}
	datas = append(datas, json.RawMessage("null"), nil)
	exts := []map[string]any{nil, {}, {"cost": map[string]any{"requested": 12, "actual": 3}, "note": "a<b"}}
	errs := []gqlerror.List{nil, {{Message: "no such photo <id>", Extensions: map[string]any{"code": "NOT_FOUND"}}}}
	fast := 0
	for _, d := range datas {
		for _, e := range exts {
			for _, er := range errs {
				got, err := encodeResponse(er, d, e)
				if err != nil {
					t.Fatal(err)
				}
				if want := encoder(er, d, e); !bytes.Equal(got, want) {
					t.Fatalf("data %s, extensions %v, errors %v:\n got %s\nwant %s", d, e, er, got, want)
				}
				if er == nil && d != nil && plainJSON(d) {
					fast++
				}
			}
		}
	}
	if fast < 100 {
		t.Fatalf("only %d responses took the fast way: the test does not test it", fast)
	}
}

// TestCostExtensionAsTheMap: extensions.cost, now structs, is written
// byte for byte as the maps it replaced were (keys sorted).
func TestCostExtensionAsTheMap(t *testing.T) {
	for _, st := range []ratelimit.Status{
		{},
		{Name: "budget_api_key", Limit: 10000, Per: time.Minute, Remaining: 9996},
		{Name: "budget_ip", Limit: 3, Per: 7 * time.Second, Remaining: 0, Local: true},
		{Name: "budget_<&>", Limit: 1 << 40, Per: time.Hour, Remaining: -5},
	} {
		for _, pa := range [][2]int{{0, 0}, {4, 3}, {1 << 30, 1}} {
			rate := 0.0
			if st.Per > 0 {
				rate = float64(st.Limit) / st.Per.Seconds()
			}
			want, err := json.Marshal(map[string]any{"cost": map[string]any{
				"requestedQueryCost": pa[0], "actualQueryCost": pa[1], "throttleStatus": map[string]any{
					"maximumAvailable": st.Limit, "currentlyAvailable": st.Remaining, "restoreRate": rate,
					"policy": strings.TrimPrefix(st.Name, "budget_"), "shared": !st.Local}}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(map[string]any{"cost": costExtension(pa[0], pa[1], st)})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%+v %v:\n got %s\nwant %s", st, pa, got, want)
			}
		}
	}
}
