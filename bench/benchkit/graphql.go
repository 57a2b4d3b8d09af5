package benchkit

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Client calls FaceStat's GraphQL endpoint over keep-alive HTTP.
type Client struct {
	HC  *http.Client
	URL string // base URL, without /graphql
}

// NewClient is a client of the server at base keeping up to 2*conns idle
// connections, with a timeout per request.
func NewClient(base string, conns int, timeout time.Duration) *Client {
	return &Client{URL: base, HC: &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			MaxIdleConns:        conns * 2,
			MaxIdleConnsPerHost: conns * 2,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}}
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Do sends a GraphQL request, with token as its bearer token if not empty,
// and returns its data, or an error code: the first error's
// extensions.code, HTTP_<status> for a body that is not GraphQL, TRANSPORT
// when the request failed. msg is the first error's message, if any.
func (c *Client) Do(req *http.Request, token string) (data json.RawMessage, code, msg string) {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.HC.Do(req)
	if err != nil {
		return nil, "TRANSPORT", err.Error()
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, "TRANSPORT", err.Error()
	}
	return decodeResponse(res.StatusCode, raw)
}

// decodeResponse reads a GraphQL response of HTTP status: its data, or an
// error code as Client.Do returns it.
func decodeResponse(status int, raw []byte) (data json.RawMessage, code, msg string) {
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, "HTTP_" + strconv.Itoa(status), string(raw)
	}
	if len(out.Errors) > 0 {
		ec, _ := out.Errors[0].Extensions["code"].(string)
		return nil, cmp.Or(ec, "NO_CODE"), out.Errors[0].Message
	}
	if status != http.StatusOK {
		return nil, "HTTP_" + strconv.Itoa(status), string(raw)
	}
	return out.Data, "", ""
}

// Call posts one GraphQL operation as JSON; see Do.
func (c *Client) Call(token, query string, vars map[string]any) (data json.RawMessage, code, msg string) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return c.Do(req, token)
}

var words = []string{"kind", "tired", "friendly", "serious", "warm", "bored", "smart", "shy", "confident",
	"sad", "cheerful", "calm", "young", "wise", "funny", "cold", "sweet", "stern", "relaxed", "curious"}

// Answers are a plausible judge's answers, the castVote mutation's
// $answers: ages around 30, attractiveness around 6, mostly yes to
// trustworthy and intelligent, a coin toss for happy, and a word from a
// short list (so photos share words, as they do).
func Answers(r *mrand.Rand) []map[string]any {
	d := drawAnswers(r)
	return []map[string]any{
		{"questionKey": "age", "number": d.age},
		{"questionKey": "attractive", "number": d.attractive},
		{"questionKey": "trustworthy", "yes": d.trustworthy},
		{"questionKey": "intelligent", "yes": d.intelligent},
		{"questionKey": "happy", "yes": d.happy},
		{"questionKey": "impression", "word": d.word},
	}
}

// AppendAnswersJSON appends the JSON of Answers (the same draws from r)
// to b, without building maps: for load generators that count their own
// CPU per request.
func AppendAnswersJSON(b []byte, r *mrand.Rand) []byte {
	d := drawAnswers(r)
	b = append(b, `[{"questionKey":"age","number":`...)
	b = strconv.AppendInt(b, int64(d.age), 10)
	b = append(b, `},{"questionKey":"attractive","number":`...)
	b = strconv.AppendInt(b, int64(d.attractive), 10)
	b = append(b, `},{"questionKey":"trustworthy","yes":`...)
	b = strconv.AppendBool(b, d.trustworthy)
	b = append(b, `},{"questionKey":"intelligent","yes":`...)
	b = strconv.AppendBool(b, d.intelligent)
	b = append(b, `},{"questionKey":"happy","yes":`...)
	b = strconv.AppendBool(b, d.happy)
	b = append(b, `},{"questionKey":"impression","word":`...)
	b = strconv.AppendQuote(b, d.word) // the words are plain ASCII: a Go quote is JSON
	return append(b, "}]"...)
}

type drawn struct {
	age, attractive                 int
	trustworthy, intelligent, happy bool
	word                            string
}

func drawAnswers(r *mrand.Rand) drawn {
	return drawn{
		age:         min(max(int(r.NormFloat64()*11+32), 1), 100),
		attractive:  min(max(int(r.NormFloat64()*1.8+5.5), 1), 10),
		trustworthy: r.Float64() < 0.7,
		intelligent: r.Float64() < 0.65,
		happy:       r.Float64() < 0.5,
		word:        words[r.IntN(len(words))],
	}
}
