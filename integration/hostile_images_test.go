package integration_test

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawGet sends GET path (sent as written: no cleaning, no re-escaping) to
// the server and returns the status, Cache-Control and Location of the
// answer.
func rawGet(t *testing.T, base, path string) (int, string, string) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, u.Host)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Location")
}

// TestHostileImages attacks private photos' signed image URLs: a forged
// signature, one made for another key (the thumbnail's, another photo's),
// an expiry moved later, duplicated or extra parameters, an expiry spelt
// another way, path tricks (.., encoded slashes, upper case), and the
// replay of a public URL after the photo turned private. Each answers 404
// (never the image), and none is cacheable; the honest URL still works.
func TestHostileImages(t *testing.T) {
	backends(t, nil, func(t *testing.T, e *env) {
		owner := e.account(t, "himowner")
		id := e.uploadImage(t, owner, 0, false)
		other := e.uploadImage(t, owner, 1, false)
		img, thumb := e.imageURLs(t, owner, id)
		otherImg, _ := e.imageURLs(t, owner, other)
		parse := func(u string) (path, exp, sig string) {
			pu, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			return pu.Path, pu.Query().Get("exp"), pu.Query().Get("sig")
		}
		path, exp, sig := parse(img)
		thumbPath, _, thumbSig := parse(thumb)
		_, otherExp, otherSig := parse(otherImg)
		expN, _ := strconv.ParseInt(exp, 10, 64)
		flip := []byte(sig)
		flip[5] ^= 1 // still base64url, another MAC
		raw, _ := base64.RawURLEncoding.DecodeString(sig)

		for name, target := range map[string]string{
			"Forged":            path + "?exp=" + exp + "&sig=" + string(flip),
			"Zeros":             path + "?exp=" + exp + "&sig=" + strings.Repeat("A", 43),
			"Empty":             path + "?exp=" + exp + "&sig=",
			"NoSignature":       path + "?exp=" + exp,
			"NoExpiry":          path + "?sig=" + sig,
			"Padded":            path + "?exp=" + exp + "&sig=" + sig + "=",
			"StdBase64":         path + "?exp=" + exp + "&sig=" + url.QueryEscape(base64.StdEncoding.EncodeToString(raw)),
			"Truncated":         path + "?exp=" + exp + "&sig=" + sig[:22],
			"ThumbnailsSig":     path + "?exp=" + exp + "&sig=" + thumbSig,
			"OtherPhotosSig":    path + "?exp=" + otherExp + "&sig=" + otherSig,
			"SigOnThumbnail":    thumbPath + "?exp=" + exp + "&sig=" + sig,
			"ExtendedExpiry":    path + "?exp=" + strconv.FormatInt(expN+60, 10) + "&sig=" + sig,
			"FarExpiry":         path + "?exp=99999999999&sig=" + sig,
			"LeadingZero":       path + "?exp=0" + exp + "&sig=" + sig,
			"PlusSign":          path + "?exp=%2B" + exp + "&sig=" + sig,
			"TwoExpiries":       path + "?exp=" + exp + "&exp=" + exp + "&sig=" + sig,
			"TwoSignatures":     path + "?exp=" + exp + "&sig=" + sig + "&sig=" + sig,
			"ExtraParameter":    path + "?exp=" + exp + "&sig=" + sig + "&x=1",
			"UpperCasePath":     strings.Replace(path, "/private/", "/PRIVATE/", 1) + "?exp=" + exp + "&sig=" + sig,
			"UpperCaseHash":     path[:strings.LastIndex(path, "/")] + strings.ToUpper(path[strings.LastIndex(path, "/"):]) + "?exp=" + exp + "&sig=" + sig,
			"BareKey":           path,
			"EncodedSlashes":    strings.Replace(strings.TrimPrefix(path, "/images/"), "/", "%2F", -1),
			"DotDotIntoPrivate": "/images/img/../" + strings.TrimPrefix(path, "/images/"),
			"DotDotOutOfSigned": path + "/../../x.jpg?exp=" + exp + "&sig=" + sig,
			"DoubleSlash":       strings.Replace(path, "/private/", "/private//", 1) + "?exp=" + exp + "&sig=" + sig,
		} {
			t.Run(name, func(t *testing.T) {
				if !strings.HasPrefix(target, "/") {
					target = "/images/" + target
				}
				status, cc, loc := rawGet(t, e.URL, target)
				if status == http.StatusOK || (status != http.StatusNotFound && status/100 != 3 && status != http.StatusBadRequest) {
					t.Fatalf("GET %s: %d", target, status)
				}
				if status == http.StatusNotFound && cc != "no-store" {
					t.Errorf("GET %s: 404 with Cache-Control %q, want no-store", target, cc)
				}
				// A path the server cleans redirects: to the very key its
				// signature was made for (nothing gained), or to a URL
				// that is still refused.
				if status/100 == 3 && strings.SplitN(loc, "?", 2)[0] != path {
					if res, _ := get(t, e.URL+target); res.StatusCode == http.StatusOK {
						t.Fatalf("GET %s, redirected: 200", target)
					}
				}
			})
		}

		t.Run("ExpiredAfterTheClockMoves", func(t *testing.T) {
			e.Clock.Advance(e.App.Config.SignedURLTTL + time.Second)
			if status, _, _ := rawGet(t, e.URL, path+"?exp="+exp+"&sig="+sig); status != http.StatusNotFound {
				t.Fatalf("an expired URL: %d", status)
			}
			img, _ = e.imageURLs(t, owner, id)
			if res, _ := get(t, img); res.StatusCode != http.StatusOK {
				t.Fatalf("the new URL: %d", res.StatusCode)
			}
		})

		t.Run("ReplayPublicURLAfterPrivate", func(t *testing.T) {
			pub, pubThumb := e.setVisibility(t, owner, id, true)
			for _, u := range []string{pub, pubThumb} {
				if res, _ := get(t, u); res.StatusCode != http.StatusOK {
					t.Fatalf("public URL %s: %d", u, res.StatusCode)
				}
			}
			e.setVisibility(t, owner, id, false)
			for _, u := range []string{pub, pubThumb} {
				for _, token := range []string{"", owner} {
					if res := e.fetchWithSession(t, u, token); res.StatusCode != http.StatusNotFound {
						t.Errorf("replayed public URL %s (session %t): %d", u, token != "", res.StatusCode)
					}
				}
				// The same key under the private prefix, unsigned or with
				// the photo's current signature for another key.
				cur, _ := e.imageURLs(t, owner, id)
				_, cexp, csig := parse(cur)
				key := strings.TrimPrefix(u, e.URL+"/images/")
				if status, _, _ := rawGet(t, e.URL, "/images/private/"+key+"?exp="+cexp+"&sig="+csig); status != http.StatusNotFound {
					t.Errorf("old key under private/ with another key's signature: %d", status)
				}
			}
		})
	})
}
