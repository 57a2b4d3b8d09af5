// Package seed produces synthetic demo data.
package seed

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
)

// Face draws a synthetic cartoon portrait of w×h pixels and returns it.
//
// The portrait is deliberately stylised and is not a likeness of any real
// person. It shows a head on a soft gradient background with randomly chosen
// skin tone, hair style and colour, eyes (iris colour, gaze, optional
// glasses), eyebrow angle, nose, mouth curve (frown to open smile), optional
// beard, stubble or freckles, and a shirt. The figure is laid out relative to
// min(w, 0.8*h), so any aspect ratio works; 4:5 (for example 800×1000) is the
// intended one. Edges are anti-aliased using per-pixel distance-based
// coverage.
//
// Contract:
//   - The result is always a *image.RGBA with Bounds() == image.Rect(0, 0, w, h)
//     whose pixels are all fully opaque (A == 255).
//   - The output depends only on the state of rng, w and h: two calls with
//     generators in the same state and the same size return identical pixels
//     (on the same GOARCH; architectures that fuse floating-point
//     multiply-adds may differ in the last bit of a few edge pixels).
//   - Face advances rng by an unspecified number of values; it uses no other
//     source of randomness and no global state, so concurrent calls are safe as
//     long as each uses its own rng.
//   - Face panics if rng is nil or if w or h is not positive.
//   - Rendering 800×1000 takes roughly 40–70 ms on one core (see
//     BenchmarkFace800x1000).
func Face(rng *rand.Rand, w, h int) image.Image {
	if rng == nil {
		panic("seed.Face: nil rng")
	}
	if w <= 0 || h <= 0 {
		panic(fmt.Sprintf("seed.Face: non-positive size %dx%d", w, h))
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c := &canvas{pix: img.Pix, stride: img.Stride, w: w, h: h}
	drawFace(c, rng)
	return img
}

// ---------------------------------------------------------------------------
// Colours.

type rgb struct{ r, g, b float64 } // components in [0, 255]

func (c rgb) mul(f float64) rgb { return rgb{c.r * f, c.g * f, c.b * f} }

func (c rgb) clamped() rgb {
	return rgb{clamp(c.r, 0, 255), clamp(c.g, 0, 255), clamp(c.b, 0, 255)}
}

func mix(a, b rgb, t float64) rgb {
	return rgb{a.r + (b.r-a.r)*t, a.g + (b.g-a.g)*t, a.b + (b.b-a.b)*t}
}

// hsv converts hue (turns, any real), saturation and value in [0,1].
func hsv(h, s, v float64) rgb {
	h -= math.Floor(h)
	h *= 6
	i := math.Floor(h)
	f := h - i
	p, q, t := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	var r, g, b float64
	switch int(i) % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	return rgb{r * 255, g * 255, b * 255}
}

// palette picks a colour along a piecewise-linear ramp at position t in [0,1].
func palette(ramp []rgb, t float64) rgb {
	t = clamp(t, 0, 1) * float64(len(ramp)-1)
	i := int(t)
	if i >= len(ramp)-1 {
		return ramp[len(ramp)-1]
	}
	return mix(ramp[i], ramp[i+1], t-float64(i))
}

var (
	skinRamp = []rgb{
		{255, 226, 204}, {247, 208, 180}, {236, 190, 155}, {218, 164, 124},
		{194, 138, 98}, {164, 108, 72}, {128, 82, 54}, {96, 62, 42},
	}
	hairColours = []rgb{
		{32, 26, 24}, {58, 40, 30}, {92, 60, 38}, {132, 86, 52},
		{196, 154, 96}, {226, 196, 138}, {168, 78, 40}, {132, 130, 134},
		{214, 212, 208},
	}
	dyedHair = []rgb{{112, 72, 168}, {58, 118, 188}, {222, 104, 150}, {40, 150, 140}}
	irises   = []rgb{
		{98, 62, 36}, {62, 42, 28}, {128, 104, 52}, {72, 124, 72},
		{72, 124, 186}, {112, 132, 142},
	}
	frames = []rgb{{30, 30, 34}, {110, 64, 40}, {196, 160, 80}, {170, 40, 52}, {40, 70, 140}}
)

// ---------------------------------------------------------------------------
// Geometry helpers.

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func clamp01(v float64) float64 { return clamp(v, 0, 1) }

// aa converts a signed distance (pixels, negative inside) to coverage with a
// one-pixel anti-aliased edge.
func aa(d float64) float64 { return clamp01(0.5 - d) }

// soft converts a signed distance to a smooth coverage with an edge f pixels
// wide.
func soft(d, f float64) float64 {
	t := clamp01(0.5 - d/f)
	return t * t * (3 - 2*t)
}

type vec struct{ x, y float64 }

type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) grow(d float64) rect { return rect{r.x0 - d, r.y0 - d, r.x1 + d, r.y1 + d} }

func (r rect) union(o rect) rect {
	return rect{min(r.x0, o.x0), min(r.y0, o.y0), max(r.x1, o.x1), max(r.y1, o.y1)}
}

// ellipse is an optionally rotated ellipse; its signed distance uses the
// gradient-normalised implicit form, exact on the boundary and good enough
// nearby for anti-aliasing.
type ellipse struct{ cx, cy, rx, ry, cs, sn float64 }

func ell(cx, cy, rx, ry float64) ellipse { return ellipse{cx, cy, rx, ry, 1, 0} }

func (e ellipse) rot(a float64) ellipse {
	e.cs, e.sn = math.Cos(a), math.Sin(a)
	return e
}

func (e ellipse) d(x, y float64) float64 {
	dx, dy := x-e.cx, y-e.cy
	if e.sn != 0 {
		dx, dy = dx*e.cs+dy*e.sn, -dx*e.sn+dy*e.cs
	}
	px, py := dx/e.rx, dy/e.ry
	k0 := math.Sqrt(px*px + py*py)
	qx, qy := px/e.rx, py/e.ry
	k1 := math.Sqrt(qx*qx + qy*qy)
	if k1 == 0 {
		return -min(e.rx, e.ry)
	}
	return k0 * (k0 - 1) / k1
}

func (e ellipse) bounds() rect {
	if e.sn == 0 {
		return rect{e.cx - e.rx, e.cy - e.ry, e.cx + e.rx, e.cy + e.ry}
	}
	r := max(e.rx, e.ry)
	return rect{e.cx - r, e.cy - r, e.cx + r, e.cy + r}
}

func circle(x, y, cx, cy, r float64) float64 {
	dx, dy := x-cx, y-cy
	return math.Sqrt(dx*dx+dy*dy) - r
}

// roundBox is a box centred at (cx,cy) with half sizes hw,hh and corner
// radius r.
func roundBox(x, y, cx, cy, hw, hh, r float64) float64 {
	qx := math.Abs(x-cx) - hw + r
	qy := math.Abs(y-cy) - hh + r
	ox, oy := max(qx, 0), max(qy, 0)
	return math.Sqrt(ox*ox+oy*oy) + min(max(qx, qy), 0) - r
}

// smin is a polynomial smooth minimum (smooth union) with blend radius k.
func smin(a, b, k float64) float64 {
	if a-b >= k {
		return b
	}
	if b-a >= k {
		return a
	}
	h := 0.5 + 0.5*(b-a)/k
	return b + (a-b)*h - k*h*(1-h)
}

// smax is the smooth counterpart of max (smooth intersection).
func smax(a, b, k float64) float64 { return -smin(-a, -b, k) }

// quad samples a quadratic Bézier curve into n+1 points.
func quad(p0, c, p1 vec, n int) []vec {
	pts := make([]vec, n+1)
	for i := range pts {
		t := float64(i) / float64(n)
		u := 1 - t
		pts[i] = vec{u*u*p0.x + 2*u*t*c.x + t*t*p1.x, u*u*p0.y + 2*u*t*c.y + t*t*p1.y}
	}
	return pts
}

// polyDist returns the distance from (x,y) to the polyline pts and the
// curve parameter in [0,1] (by vertex index) of the nearest point.
func polyDist(pts []vec, x, y float64) (float64, float64) {
	best, bt := math.Inf(1), 0.0
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		pax, pay := x-a.x, y-a.y
		bax, bay := b.x-a.x, b.y-a.y
		l := bax*bax + bay*bay
		h := 0.0
		if l > 0 {
			h = clamp01((pax*bax + pay*bay) / l)
		}
		dx, dy := pax-bax*h, pay-bay*h
		if d := dx*dx + dy*dy; d < best {
			best, bt = d, float64(i)+h
		}
	}
	return math.Sqrt(best), bt / float64(len(pts)-1)
}

func polyBounds(pts []vec) rect {
	r := rect{pts[0].x, pts[0].y, pts[0].x, pts[0].y}
	for _, p := range pts[1:] {
		r = r.union(rect{p.x, p.y, p.x, p.y})
	}
	return r
}

// ---------------------------------------------------------------------------
// Canvas.

type canvas struct {
	pix    []uint8
	stride int
	w, h   int
}

func (c *canvas) span(r rect) (x0, y0, x1, y1 int) {
	fw, fh := float64(c.w), float64(c.h)
	x0 = int(clamp(math.Floor(r.x0)-1, 0, fw))
	y0 = int(clamp(math.Floor(r.y0)-1, 0, fh))
	x1 = int(clamp(math.Ceil(r.x1)+1, 0, fw))
	y1 = int(clamp(math.Ceil(r.y1)+1, 0, fh))
	return
}

func setPx(p []uint8, c rgb) {
	p[0] = uint8(c.r + 0.5)
	p[1] = uint8(c.g + 0.5)
	p[2] = uint8(c.b + 0.5)
}

func blendPx(p []uint8, c rgb, a float64) {
	r, g, b := float64(p[0]), float64(p[1]), float64(p[2])
	p[0] = uint8(r + (c.r-r)*a + 0.5)
	p[1] = uint8(g + (c.g-g)*a + 0.5)
	p[2] = uint8(b + (c.b-b)*a + 0.5)
}

// background fills the canvas with a vertical gradient.
func (c *canvas) background(top, bottom rgb) {
	top, bottom = top.clamped(), bottom.clamped()
	for y := 0; y < c.h; y++ {
		col := mix(top, bottom, (float64(y)+0.5)/float64(c.h))
		r, g, b := uint8(col.r+0.5), uint8(col.g+0.5), uint8(col.b+0.5)
		row := c.pix[y*c.stride : y*c.stride+4*c.w]
		for i := 0; i < len(row); i += 4 {
			row[i], row[i+1], row[i+2], row[i+3] = r, g, b, 255
		}
	}
}

// paint blends col over the pixels inside r with opacity alpha*cov(x,y),
// where cov is evaluated at pixel centres and returns coverage in [0,1].
func (c *canvas) paint(r rect, col rgb, alpha float64, cov func(x, y float64) float64) {
	col = col.clamped()
	x0, y0, x1, y1 := c.span(r)
	for y := y0; y < y1; y++ {
		fy := float64(y) + 0.5
		row := c.pix[y*c.stride : y*c.stride+4*c.w]
		for x := x0; x < x1; x++ {
			a := cov(float64(x)+0.5, fy)
			if a <= 0 {
				continue
			}
			a *= alpha
			p := row[4*x : 4*x+3 : 4*x+3]
			if a >= 1 {
				setPx(p, col)
			} else {
				blendPx(p, col, a)
			}
		}
	}
}

// shape fills the region sdf < 0 with fill and, if lw > 0, outlines it with a
// line of width lw centred on the boundary. r bounds the region.
func (c *canvas) shape(r rect, sdf func(x, y float64) float64, fill, line rgb, lw float64) {
	fill, line = fill.clamped(), line.clamped()
	half := lw / 2
	x0, y0, x1, y1 := c.span(r.grow(half + 1))
	for y := y0; y < y1; y++ {
		fy := float64(y) + 0.5
		row := c.pix[y*c.stride : y*c.stride+4*c.w]
		for x := x0; x < x1; x++ {
			d := sdf(float64(x)+0.5, fy)
			if d >= half+0.5 {
				continue
			}
			p := row[4*x : 4*x+3 : 4*x+3]
			if d <= -half-0.5 {
				setPx(p, fill)
				continue
			}
			if lw > 0 {
				if a := aa(d - half); a >= 1 {
					setPx(p, line)
				} else {
					blendPx(p, line, a)
				}
			}
			if a := aa(d + half); a > 0 {
				blendPx(p, fill, a)
			}
		}
	}
}

// stroke draws the polyline pts with half-width hw(t) (t in [0,1] along the
// line, never larger than maxHW) and opacity alpha. If clip is non-nil the
// stroke is restricted to clip < 0.
func (c *canvas) stroke(pts []vec, col rgb, alpha float64, maxHW float64, hw func(t float64) float64, clip func(x, y float64) float64) {
	c.paint(polyBounds(pts).grow(maxHW+1), col, alpha, func(x, y float64) float64 {
		d, t := polyDist(pts, x, y)
		if d > maxHW+1 {
			return 0
		}
		a := aa(d - hw(t))
		if clip != nil && a > 0 {
			a *= aa(clip(x, y))
		}
		return a
	})
}

// taper returns a half-width profile that is w in the middle and narrows to
// w*ends at both ends.
func taper(w, ends float64) func(float64) float64 {
	return func(t float64) float64 {
		s := math.Sin(math.Pi * t)
		return w * (ends + (1-ends)*math.Sqrt(s))
	}
}

func constant(w float64) func(float64) float64 { return func(float64) float64 { return w } }

// ---------------------------------------------------------------------------
// The portrait.

const (
	hairShort = iota
	hairLong
	hairBun
	hairBald
	hairCurly
)

const (
	beardNone = iota
	beardFull
	beardStubble
	beardMoustache
	beardGoatee
)

func drawFace(c *canvas, rng *rand.Rand) {
	W, H := float64(c.w), float64(c.h)
	S := min(W, 0.8*H) // layout unit
	rnd := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	chance := func(p float64) bool { return rng.Float64() < p }
	sign := func() float64 {
		if rng.IntN(2) == 0 {
			return -1
		}
		return 1
	}
	lw := max(S*0.0045, 0.6) // standard outline width

	// ---- Random choices -------------------------------------------------
	bgHue := rng.Float64()
	bgTop := hsv(bgHue, rnd(0.12, 0.28), rnd(0.93, 0.99))
	bgBot := hsv(bgHue+rnd(-0.12, 0.12), rnd(0.22, 0.42), rnd(0.80, 0.90))

	skin := palette(skinRamp, rng.Float64())
	skin = mix(skin, rgb{skin.r * 1.03, skin.g, skin.b * 0.97}, rnd(-1, 1)) // undertone
	skin = skin.clamped()
	skinLine := mix(skin.mul(0.62), rgb{90, 48, 40}, 0.3)
	skinShade := skin.mul(0.88)

	hairStyle := []int{hairShort, hairShort, hairLong, hairLong, hairBun, hairBald, hairCurly}[rng.IntN(7)]
	hair := hairColours[rng.IntN(len(hairColours))].mul(rnd(0.92, 1.08)).clamped()
	hairLine := hair.mul(0.6)
	beardCol := hair
	if chance(0.08) {
		hair = dyedHair[rng.IntN(len(dyedHair))]
	}
	brow := beardCol.mul(0.8)
	if beardCol.r+beardCol.g+beardCol.b > 450 { // light hair: keep brows visible
		brow = mix(beardCol, rgb{90, 70, 60}, 0.55)
	}
	lightness := (skin.r + skin.g + skin.b) / 765

	cx := W/2 + rnd(-0.015, 0.015)*S
	cy := H/2 - 0.09*S
	rx := S * rnd(0.235, 0.27)
	ry := rx * rnd(1.2, 1.34)
	jawW := rnd(0.62, 0.82)

	smile := -0.35 + 1.35*math.Sqrt(rng.Float64())
	openMouth := smile > 0.45 && chance(0.55)
	browTilt := rnd(-0.28, 0.28) - 0.1*smile
	gaze := vec{rnd(-1, 1), rnd(-0.6, 0.6)}

	beard := beardNone
	if chance(0.35) {
		beard = []int{beardFull, beardFull, beardStubble, beardMoustache, beardGoatee}[rng.IntN(5)]
	}
	freckles := chance(0.2)
	blush := chance(0.6)
	glasses := chance(0.3)

	// ---- Derived geometry -------------------------------------------------
	cranium := ell(cx, cy-0.04*ry, rx, ry*0.96)
	jaw := ell(cx, cy+0.33*ry, rx*jawW, ry*0.72)
	headD := func(x, y float64) float64 { return smin(cranium.d(x, y), jaw.d(x, y), 0.22*rx) }
	headBox := rect{cx - rx, cy - ry, cx + rx, cy + 1.06*ry}
	chinY := cy + 1.05*ry

	neckHW := rx * rnd(0.36, 0.44)
	shoulderY := chinY + ry*rnd(0.2, 0.28)
	eyeY := cy + 0.1*ry
	eyeDX := rx * rnd(0.36, 0.42)
	eyeRX := rx * rnd(0.14, 0.18)
	eyeRY := eyeRX * rnd(0.62, 0.8)
	noseY := cy + 0.42*ry
	mouthY := cy + rnd(0.66, 0.72)*ry
	mouthW := rx * rnd(0.22, 0.34)

	// ---- Background -------------------------------------------------------
	c.background(bgTop, bgBot)
	for n := rng.IntN(5); n > 0; n-- {
		bx, by, br := rnd(0, W), rnd(0, H), S*rnd(0.04, 0.22)
		col := hsv(bgHue+rnd(-0.2, 0.2), rnd(0.1, 0.3), 1)
		c.paint(rect{bx - br, by - br, bx + br, by + br}, col, rnd(0.2, 0.45), func(x, y float64) float64 {
			return aa(circle(x, y, bx, by, br))
		})
	}
	haloR := S * 0.5
	c.paint(rect{cx - 2*haloR, cy - 2*haloR, cx + 2*haloR, cy + 2*haloR}, rgb{255, 255, 255}, 0.35, func(x, y float64) float64 {
		return soft(circle(x, y, cx, cy, haloR), haloR*1.4)
	})

	// ---- Hair behind the head ----------------------------------------------
	var backHair func(x, y float64) float64
	var backBox rect
	curlN := float64(rng.IntN(5) + 9)
	curlAmp := rx * rnd(0.05, 0.09)
	switch hairStyle {
	case hairLong:
		top := ell(cx, cy-0.06*ry, rx*1.1, ry*1.04)
		hw := rx * rnd(1.08, 1.22)
		hh := ry * rnd(0.7, 1.0)
		by := cy + 0.45*ry
		backHair = func(x, y float64) float64 {
			return smin(top.d(x, y), roundBox(x, y, cx, by, hw, hh, rx*0.45), 0.1*rx)
		}
		backBox = top.bounds().union(rect{cx - hw, by - hh, cx + hw, by + hh})
	case hairCurly:
		big := ell(cx, cy-0.14*ry, rx*1.32, ry*1.06)
		backHair = func(x, y float64) float64 {
			th := math.Atan2(y-big.cy, x-big.cx)
			return big.d(x, y) - curlAmp*math.Abs(math.Sin(curlN*th))
		}
		backBox = big.bounds().grow(curlAmp)
	}
	if backHair != nil {
		c.shape(backBox, backHair, hair, hairLine, lw)
	}

	// ---- Neck and shirt -----------------------------------------------------
	shirt := hsv(rng.Float64(), rnd(0.3, 0.65), rnd(0.5, 0.85))
	shirtLine := shirt.mul(0.62)
	shW := S * rnd(0.4, 0.47)
	shH := H // reaches past the bottom edge
	shCY := shoulderY + shH
	shR := S * rnd(0.14, 0.22)
	crew := ell(cx, shoulderY, neckHW*rnd(1.15, 1.4), neckHW*rnd(0.45, 0.7))
	vNeck := chance(0.35)
	vDepth := shoulderY + neckHW*rnd(1.0, 1.6)
	vSlope := rnd(0.45, 0.7)
	n1 := vec{-1 / math.Hypot(1, vSlope), vSlope / math.Hypot(1, vSlope)}
	neckline := func(x, y float64) float64 {
		d := crew.d(x, y)
		if vNeck {
			px, py := x-cx, y-vDepth
			d = min(d, max(n1.x*px+n1.y*py, -n1.x*px+n1.y*py))
		}
		return d
	}
	torso := func(x, y float64) float64 { return roundBox(x, y, cx, shCY, shW, shH, shR) }
	shirtD := func(x, y float64) float64 { return max(torso(x, y), -neckline(x, y)) }
	shirtBox := rect{cx - shW, shoulderY, cx + shW, H}

	neckTop := cy + 0.4*ry
	neckBot := shoulderY + crew.ry + 0.1*ry
	neck := func(x, y float64) float64 {
		return roundBox(x, y, cx, (neckTop+neckBot)/2, neckHW, (neckBot-neckTop)/2, neckHW*0.3)
	}
	neckBox := rect{cx - neckHW, neckTop, cx + neckHW, neckBot}
	c.shape(neckBox, neck, skinShade, skinLine, lw)
	// Shadow cast by the chin.
	c.paint(neckBox, skinLine, 0.35, func(x, y float64) float64 {
		return soft(headD(x, y-0.1*ry), 0.06*ry) * aa(neck(x, y))
	})

	// Chest skin visible through the neckline, then the shirt.
	c.paint(shirtBox, skinShade, 1, func(x, y float64) float64 {
		return aa(max(torso(x, y), neckline(x, y)-lw))
	})
	c.shape(shirtBox, shirtD, shirt, shirtLine, lw)
	// Collar band.
	band := S * 0.012
	c.paint(shirtBox, shirtLine, 0.55, func(x, y float64) float64 {
		if y > vDepth+band*2 && y > shoulderY+crew.ry+band*2 {
			return 0
		}
		return aa(math.Abs(neckline(x, y)+band)-band) * aa(shirtD(x, y))
	})
	// A soft fold on each side.
	for _, s := range []float64{-1, 1} {
		fx := cx + s*shW*0.62
		pts := quad(vec{fx, shoulderY + 0.12*ry}, vec{fx - s*0.04*S, shoulderY + 0.3*ry}, vec{fx - s*0.02*S, H + 2}, 10)
		c.stroke(pts, shirtLine, 0.35, lw, taper(lw*0.6, 0.2), nil)
	}

	// ---- Bun (behind the cap) -----------------------------------------------
	if hairStyle == hairBun {
		br := rx * rnd(0.3, 0.4)
		bx, by := cx+rnd(-0.1, 0.1)*rx, cy-1.0*ry-br*0.5
		c.shape(rect{bx - br, by - br, bx + br, by + br}, func(x, y float64) float64 {
			return circle(x, y, bx, by, br)
		}, hair, hairLine, lw)
		for i := 0; i < 2; i++ {
			a := float64(i)*1.9 + 0.6
			pts := quad(vec{bx - br*0.6*math.Cos(a), by - br*0.6*math.Sin(a)}, vec{bx, by - br*0.2}, vec{bx + br*0.6*math.Cos(a+0.4), by + br*0.5*math.Sin(a+0.4)}, 8)
			c.stroke(pts, hairLine, 0.6, lw, taper(lw*0.5, 0.2), nil)
		}
	}

	// ---- Ears ---------------------------------------------------------------
	earRX, earRY := rx*0.16, ry*0.2
	for _, s := range []float64{-1, 1} {
		e := ell(cx+s*rx*0.95, eyeY+0.12*ry, earRX, earRY).rot(s * 0.15)
		c.shape(e.bounds(), e.d, skin, skinLine, lw)
		in := quad(vec{e.cx + s*earRX*0.15, e.cy - earRY*0.55}, vec{e.cx + s*earRX*0.75, e.cy}, vec{e.cx + s*earRX*0.05, e.cy + earRY*0.5}, 8)
		c.stroke(in, skinLine, 0.7, lw, taper(lw*0.6, 0.3), nil)
	}

	// ---- Head -----------------------------------------------------------------
	c.shape(headBox, headD, skin, skinLine, lw)
	// Soft shading on one side for volume.
	lightX := sign()
	shadeOff := ell(cx+lightX*0.1*rx, cy-0.1*ry, rx*0.98, ry*1.02)
	c.paint(headBox, skinShade, 0.6, func(x, y float64) float64 {
		d := headD(x, y)
		if d > 0.5 {
			return 0
		}
		return aa(d+lw/2) * soft(-shadeOff.d(x, y), 0.14*rx)
	})
	if hairStyle == hairBald {
		sh := ell(cx+lightX*0.3*rx, cy-0.72*ry, rx*0.28, ry*0.12).rot(lightX * 0.4)
		c.paint(sh.bounds().grow(0.1*rx), rgb{255, 255, 255}, 0.35, func(x, y float64) float64 {
			return soft(sh.d(x, y), 0.12*rx)
		})
	}
	if blush {
		for _, s := range []float64{-1, 1} {
			b := ell(cx+s*0.5*rx, cy+0.44*ry, 0.17*rx, 0.1*ry)
			c.paint(b.bounds().grow(0.1*rx), rgb{238, 112, 112}, rnd(0.15, 0.3)*lightness*lightness*1.4, func(x, y float64) float64 {
				return soft(b.d(x, y), 0.12*rx)
			})
		}
	}
	if freckles {
		fc := mix(skin.mul(0.7), rgb{150, 80, 50}, 0.3)
		for _, s := range []float64{-1, 1} {
			for n := 7 + rng.IntN(7); n > 0; n-- {
				a, r := rnd(0, 2*math.Pi), math.Sqrt(rng.Float64())
				fx := cx + s*0.42*rx + r*0.2*rx*math.Cos(a)
				fy := cy + 0.36*ry + r*0.09*ry*math.Sin(a)
				fr := S * rnd(0.0028, 0.0048)
				c.paint(rect{fx - fr, fy - fr, fx + fr, fy + fr}, fc, rnd(0.45, 0.75), func(x, y float64) float64 {
					return aa(circle(x, y, fx, fy, fr))
				})
			}
		}
	}

	// ---- Beard (below the mouth) ----------------------------------------------
	mouthWin := ell(cx, mouthY+0.02*ry, mouthW*1.35, ry*0.14)
	beardD := func(x, y float64) float64 {
		d := headD(x, y) - 0.035*rx
		d = max(d, -ell(cx, cy-0.06*ry, rx*0.86, ry*0.68).d(x, y))
		d = smax(d, cy+0.3*ry-y, 0.12*rx)
		return max(d, -mouthWin.d(x, y))
	}
	beardBox := rect{cx - rx*1.05, eyeY, cx + rx*1.05, chinY + 0.05*ry}
	switch beard {
	case beardFull:
		c.shape(beardBox, beardD, beardCol, beardCol.mul(0.6), lw)
	case beardStubble:
		stub := mix(skin.mul(0.55), beardCol.mul(0.5), 0.5)
		c.paint(beardBox, stub, 0.22, func(x, y float64) float64 {
			return soft(beardD(x, y)+0.04*rx, 0.06*rx) * aa(headD(x, y)+lw/2)
		})
	case beardGoatee:
		g := ell(cx, mouthY+0.22*ry, mouthW*0.7, ry*0.2)
		c.shape(g.bounds(), func(x, y float64) float64 {
			return max(max(g.d(x, y), headD(x, y)), -mouthWin.d(x, y))
		}, beardCol, beardCol.mul(0.6), lw)
	}

	// ---- Nose -----------------------------------------------------------------
	nw := rx * rnd(0.1, 0.15)
	nc := vec{cx, noseY}
	c.paint(rect{nc.x - 2*nw, nc.y - 2*nw, nc.x + 2*nw, nc.y + 2*nw}, skinShade, 0.5, func(x, y float64) float64 {
		return soft(circle(x, y, nc.x-lightX*0.4*nw, nc.y, nw*0.9), nw)
	})
	switch rng.IntN(3) {
	case 0: // soft "u"
		pts := quad(vec{nc.x - nw, nc.y - 0.1*nw}, vec{nc.x, nc.y + 1.1*nw}, vec{nc.x + nw, nc.y - 0.1*nw}, 12)
		c.stroke(pts, skinLine, 0.9, lw, taper(lw*0.75, 0.2), nil)
	case 1: // button with nostrils
		for _, s := range []float64{-1, 1} {
			n := ell(nc.x+s*0.45*nw, nc.y+0.25*nw, 0.22*nw, 0.14*nw).rot(s * 0.3)
			c.paint(n.bounds(), skinLine, 0.85, func(x, y float64) float64 { return aa(n.d(x, y)) })
		}
		c.paint(rect{nc.x - nw, nc.y - nw, nc.x + nw, nc.y + nw}, rgb{255, 255, 255}, 0.2, func(x, y float64) float64 {
			return soft(circle(x, y, nc.x+lightX*0.2*nw, nc.y-0.3*nw, 0.25*nw), 0.5*nw)
		})
	default: // side hook
		s := lightX
		a := quad(vec{nc.x + s*0.1*nw, nc.y - 2.2*nw}, vec{nc.x + s*0.4*nw, nc.y - 0.9*nw}, vec{nc.x + s*0.75*nw, nc.y + 0.05*nw}, 10)
		b := quad(a[len(a)-1], vec{nc.x + s*0.8*nw, nc.y + 0.55*nw}, vec{nc.x - s*0.25*nw, nc.y + 0.4*nw}, 8)
		pts := append(a, b[1:]...)
		c.stroke(pts, skinLine, 0.9, lw, func(t float64) float64 { return lw * 0.75 * clamp(t*2.5, 0.2, 1) }, nil)
	}

	// ---- Mouth ------------------------------------------------------------------
	lip := mix(skin.mul(0.55), rgb{150, 50, 60}, 0.45)
	if openMouth {
		depth := mouthW * rnd(0.45, 0.7) * smile
		top := mouthY - 0.15*mouthW
		sag := depth * 0.22
		a := depth * 1.5
		rx2 := mouthW / math.Sqrt(1-(a/(a+sag))*(a/(a+sag)))
		lower := ell(cx, top, mouthW, depth)
		upper := ell(cx, top-a, rx2, a+sag)
		mouth := func(x, y float64) float64 { return max(lower.d(x, y), -upper.d(x, y)) }
		box := rect{cx - mouthW, top - depth*0.1, cx + mouthW, top + depth}
		c.shape(box, mouth, rgb{96, 30, 40}, lip.mul(0.8), lw*1.1)
		teethH := depth * rnd(0.22, 0.32)
		c.paint(box, rgb{250, 248, 244}, 1, func(x, y float64) float64 {
			return aa(max(mouth(x, y)+lw*0.55, upper.d(x, y-teethH)))
		})
		tongue := ell(cx+rnd(-0.1, 0.1)*mouthW, top+depth*0.95, mouthW*0.55, depth*0.45)
		c.paint(box, rgb{224, 104, 114}, 1, func(x, y float64) float64 {
			return aa(max(mouth(x, y)+lw*0.55, tongue.d(x, y)))
		})
	} else {
		k := mouthW * 0.42 * smile
		l, r := vec{cx - mouthW, mouthY - k}, vec{cx + mouthW, mouthY - k}
		pts := quad(l, vec{cx, mouthY + k}, r, 16)
		c.stroke(pts, lip, 1, lw*1.1, taper(lw*1.1, 0.45), nil)
		// Lower-lip hint.
		ll := quad(vec{cx - 0.35*mouthW, mouthY + 0.28*mouthW}, vec{cx, mouthY + 0.42*mouthW}, vec{cx + 0.35*mouthW, mouthY + 0.28*mouthW}, 8)
		c.stroke(ll, skinLine, 0.45, lw, taper(lw*0.6, 0.1), nil)
		if smile > 0.35 { // dimples at the corners
			for _, p := range []vec{l, r} {
				s := 1.0
				if p.x < cx {
					s = -1
				}
				d := quad(vec{p.x - s*0.06*mouthW, p.y - 0.16*mouthW}, vec{p.x + s*0.1*mouthW, p.y}, vec{p.x - s*0.04*mouthW, p.y + 0.14*mouthW}, 6)
				c.stroke(d, skinLine, 0.7, lw, taper(lw*0.55, 0.2), nil)
			}
		}
	}
	if beard == beardFull || beard == beardMoustache || beard == beardGoatee {
		droop := rnd(-0.02, 0.06) * ry
		top := mouthY - 0.13*ry - 0.25*max(smile, 0)*mouthW*0.42
		pts := quad(vec{cx - mouthW*1.15, top + droop + 0.05*ry}, vec{cx, top - 0.09*ry}, vec{cx + mouthW*1.15, top + droop + 0.05*ry}, 16)
		mw := ry * rnd(0.03, 0.045)
		prof := taper(mw, 0.25)
		c.paint(polyBounds(pts).grow(mw+lw), beardCol.mul(0.6), 1, func(x, y float64) float64 {
			d, t := polyDist(pts, x, y)
			return aa(d - prof(t) - lw/2)
		})
		c.paint(polyBounds(pts).grow(mw+lw), beardCol, 1, func(x, y float64) float64 {
			d, t := polyDist(pts, x, y)
			return aa(d - prof(t) + lw/2)
		})
	}

	// ---- Eyes -------------------------------------------------------------------
	iris := irises[rng.IntN(len(irises))]
	for _, s := range []float64{-1, 1} {
		e := ell(cx+s*eyeDX, eyeY, eyeRX, eyeRY)
		box := e.bounds()
		c.shape(box, e.d, rgb{252, 251, 248}, skinLine.mul(0.7), lw)
		ir := eyeRY * 0.95
		ix, iy := e.cx+gaze.x*(eyeRX-ir)*0.6, e.cy+gaze.y*eyeRY*0.15
		c.paint(box, iris, 1, func(x, y float64) float64 {
			return aa(max(circle(x, y, ix, iy, ir), e.d(x, y)+lw*0.5))
		})
		c.paint(box, iris.mul(0.55), 1, func(x, y float64) float64 {
			return aa(max(math.Abs(circle(x, y, ix, iy, ir-lw*0.4))-lw*0.4, e.d(x, y)+lw*0.5))
		})
		c.paint(box, rgb{22, 18, 18}, 1, func(x, y float64) float64 {
			return aa(max(circle(x, y, ix, iy, ir*0.5), e.d(x, y)+lw*0.5))
		})
		hx, hy, hr := ix+ir*0.35, iy-ir*0.35, ir*0.24
		c.paint(box, rgb{255, 255, 255}, 0.95, func(x, y float64) float64 {
			return aa(circle(x, y, hx, hy, hr))
		})
		// Heavier upper lid line and a small lash flick.
		c.paint(box.grow(lw*2), skinLine.mul(0.55), 1, func(x, y float64) float64 {
			return aa(math.Abs(e.d(x, y))-lw) * aa((y-e.cy+eyeRY*0.15)*2)
		})
		fl := quad(vec{e.cx + s*eyeRX*0.92, e.cy - eyeRY*0.3}, vec{e.cx + s*eyeRX*1.15, e.cy - eyeRY*0.45}, vec{e.cx + s*eyeRX*1.3, e.cy - eyeRY*0.75}, 6)
		c.stroke(fl, skinLine.mul(0.55), 1, lw, taper(lw*0.8, 0.1), nil)
	}

	// ---- Eyebrows -------------------------------------------------------------
	browHW := S * rnd(0.006, 0.011)
	browGap := eyeRY * rnd(0.7, 1.1)
	arch := eyeRX * rnd(0.1, 0.35)
	for _, s := range []float64{-1, 1} {
		ex := cx + s*eyeDX
		base := eyeY - eyeRY - browGap
		in := vec{ex - s*eyeRX*0.95, base + browTilt*eyeRX}
		out := vec{ex + s*eyeRX*1.2, base - browTilt*0.3*eyeRX + 0.15*eyeRX}
		ctl := vec{ex + s*eyeRX*0.1, base - arch - 0.5*browTilt*eyeRX}
		pts := quad(in, ctl, out, 12)
		c.stroke(pts, brow, 1, browHW, func(t float64) float64 {
			return browHW * (1 - 0.55*t*t) * clamp(t*8+0.5, 0, 1)
		}, nil)
	}

	// ---- Hair in front -----------------------------------------------------------
	part := rnd(-0.12, 0.12) * rx
	switch hairStyle {
	case hairShort, hairBun:
		big := ell(cx, cy-0.07*ry, rx*1.07, ry*0.99)
		win := ell(cx+part, cy+0.42*ry, rx*0.97, ry*rnd(1.0, 1.1))
		limit := cy + rnd(0.05, 0.18)*ry
		var swoop ellipse
		hasSwoop := hairStyle == hairShort && chance(0.6)
		if hasSwoop {
			s := sign()
			swoop = ell(cx+s*0.25*rx, cy-0.58*ry, rx*0.55, ry*0.17).rot(-s * 0.35)
		}
		capD := func(x, y float64) float64 {
			d := smax(max(big.d(x, y), -win.d(x, y)), y-limit, 0.12*rx)
			if hasSwoop {
				d = smin(d, max(swoop.d(x, y), big.d(x, y)), 0.05*rx)
			}
			return d
		}
		box := big.bounds()
		c.shape(box, capD, hair, hairLine, lw)
		hairDetail(c, rng, capD, hair, hairLine, lw, cx+part, cy-0.98*ry, rx, ry, lightX)
	case hairLong:
		win := ell(cx+part, cy+0.32*ry, rx*0.9, ry*rnd(0.96, 1.06))
		clearD := func(x, y float64) float64 { return roundBox(x, y, cx, cy+1.5*ry, neckHW-lw, 1.2*ry, 0.2*rx) }
		front := func(x, y float64) float64 {
			return max(max(backHair(x, y), -win.d(x, y)), -clearD(x, y))
		}
		c.shape(backBox, front, hair, hairLine, lw)
		hairDetail(c, rng, front, hair, hairLine, lw, cx+part, cy-1.0*ry, rx, ry, lightX)
	case hairCurly:
		big := ell(cx, cy-0.14*ry, rx*1.32, ry*1.06)
		win := ell(cx+part*0.5, cy+0.4*ry, rx*0.96, ry*0.98)
		wn := float64(rng.IntN(3) + 5)
		capD := func(x, y float64) float64 {
			th := math.Atan2(y-big.cy, x-big.cx)
			d := big.d(x, y) - curlAmp*math.Abs(math.Sin(curlN*th))
			tw := math.Atan2(y-win.cy, x-win.cx)
			dw := win.d(x, y) + curlAmp*0.8*math.Abs(math.Sin(wn*tw))
			return max(d, -dw)
		}
		c.shape(backBox, capD, hair, hairLine, lw)
		// A few curls for texture.
		for n := 10 + rng.IntN(6); n > 0; n-- {
			a := rnd(-math.Pi*0.95, -math.Pi*0.05)
			r := rnd(0.45, 0.85)
			px, py := big.cx+big.rx*r*math.Cos(a), big.cy+big.ry*r*math.Sin(a)
			cr := rx * rnd(0.06, 0.1)
			c.paint(rect{px - cr*1.3, py - cr*1.3, px + cr*1.3, py + cr*1.3}, hairLine, 0.45, func(x, y float64) float64 {
				d := math.Abs(circle(x, y, px, py, cr)) - lw*0.45
				return aa(max(max(d, py-y), capD(x, y)+lw))
			})
		}
	case hairBald:
		if chance(0.5) { // side fringe
			// Tufts hugging the head outline above the ears.
			yc, hh, t0 := cy-0.1*ry, 0.32*ry, 0.1*rx
			side := func(x, y float64) float64 {
				u := (y - yc) / hh
				t := t0 * (1 - u*u)
				if t <= 0 {
					return t0
				}
				return math.Abs(headD(x, y)+0.4*t) - t
			}
			c.shape(rect{cx - rx*1.1, yc - hh, cx + rx*1.1, yc + hh}, side, hair, hairLine, lw)
		}
	}

	// ---- Glasses ---------------------------------------------------------------
	if glasses {
		fc := frames[rng.IntN(len(frames))]
		fw := S * rnd(0.004, 0.0075)
		round := chance(0.5)
		lr := eyeRX * rnd(1.35, 1.55)
		lh := eyeRY * rnd(1.55, 1.9)
		lens := func(x, y, ex float64) float64 {
			if round {
				return circle(x, y, ex, eyeY, lr)
			}
			return roundBox(x, y, ex, eyeY, lr, lh, lh*0.45)
		}
		for _, s := range []float64{-1, 1} {
			ex := cx + s*eyeDX
			box := rect{ex - lr, eyeY - lr, ex + lr, eyeY + lr}.grow(fw)
			c.paint(box, rgb{255, 255, 255}, 0.14, func(x, y float64) float64 { return aa(lens(x, y, ex)) })
			c.paint(box, rgb{255, 255, 255}, 0.4, func(x, y float64) float64 {
				u := (x - ex) + (y - eyeY)
				return aa(math.Abs(u+lr*0.55)-lr*0.07) * aa(lens(x, y, ex)+fw*2)
			})
			c.paint(box, fc, 1, func(x, y float64) float64 { return aa(math.Abs(lens(x, y, ex)) - fw) })
			arm := []vec{{ex + s*lr, eyeY - lr*0.15}, {cx + s*rx*0.99, eyeY - lr*0.05}}
			c.stroke(arm, fc, 1, fw, constant(fw*0.85), nil)
		}
		bx := eyeDX - lr
		br := quad(vec{cx - bx - fw, eyeY - lr*0.25}, vec{cx, eyeY - lr*0.6}, vec{cx + bx + fw, eyeY - lr*0.25}, 8)
		c.stroke(br, fc, 1, fw, constant(fw), nil)
	}
}

// hairDetail adds a highlight and a few strand lines inside the hair region
// described by sdf, fanning out from the crown (px, py).
func hairDetail(c *canvas, rng *rand.Rand, sdf func(x, y float64) float64, hair, line rgb, lw, px, py, rx, ry, light float64) {
	hl := ell(px+light*0.4*rx, py+0.3*ry, rx*0.35, ry*0.1).rot(light * 0.5)
	c.paint(hl.bounds().grow(0.15*rx), mix(hair, rgb{255, 255, 255}, 0.35), 0.5, func(x, y float64) float64 {
		return soft(hl.d(x, y), 0.15*rx) * aa(sdf(x, y)+lw)
	})
	for n := 3 + rng.IntN(3); n > 0; n-- {
		s := 1.0
		if n%2 == 0 {
			s = -1
		}
		spread := (0.25 + 0.6*rng.Float64()) * rx
		start := vec{px + s*0.05*rx, py + 0.06*ry}
		end := vec{px + s*spread, py + (0.3+0.3*rng.Float64())*ry}
		ctl := vec{px + s*spread*0.7, py + 0.05*ry}
		pts := quad(start, ctl, end, 10)
		c.stroke(pts, line, 0.5, lw, taper(lw*0.55, 0.1), func(x, y float64) float64 { return sdf(x, y) + 3*lw })
	}
}
