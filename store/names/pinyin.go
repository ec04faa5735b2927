package names

import (
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
)

// romaniser turns normalised names into pinyin and initials for one New
// call. New asks syllable once per distinct character, because go-pinyin
// runs regular expressions per character, which would dominate New at
// 100,000 names; romanise then works from those answers. The pinyin and
// initials of every doc go one after another into shared buffers.
type romaniser struct {
	args         pinyin.Args
	pyBuf, inBuf []byte
	pyStr, inStr string   // the buffers, once finished
	bits         []uint64 // bit i set: a syllable starts at pyBuf[i]
	// tokens are the runs of non-Han letters and digits seen; Pinyin
	// matching treats them as syllables.
	tokens map[string]bool
}

func newRomaniser(bytes int) *romaniser {
	a := pinyin.NewArgs()
	a.Style = pinyin.Normal
	a.Heteronym = false
	// Characters without a reading are handled by romanise, not go-pinyin.
	a.Fallback = func(rune, pinyin.Args) []string { return nil }
	// Han names take about 1.5 bytes of pinyin and 1/3 byte of initials
	// per byte of UTF-8.
	return &romaniser{
		args:   a,
		pyBuf:  make([]byte, 0, bytes*3/2),
		inBuf:  make([]byte, 0, bytes/3+1),
		bits:   make([]uint64, 0, bytes*3/2/64+1),
		tokens: map[string]bool{},
	}
}

// syllable returns r's reading in go-pinyin's Normal style (no tones, ü as
// v), or "" when r is not a Han character go-pinyin knows.
func (ro *romaniser) syllable(r rune) string {
	if r < 0x2e80 { // below the CJK blocks: never Han
		return ""
	}
	if s, ok := runeReading(r); ok {
		return s
	}
	if unicode.Is(unicode.Han, r) {
		if p := pinyin.LazyConvert(string(r), &ro.args); len(p) > 0 {
			return asciiLower(p[0])
		}
	}
	return ""
}

// romanise appends the pinyin and initials of s, whose runes have the
// readings sylls[ids[i]], and returns where they went. Runs of letters and
// digits that are not Han stay as they are, as one syllable; other
// characters (punctuation) are left out.
func (ro *romaniser) romanise(s string, ids []int32, sylls []string) (py, in span) {
	py.start, in.start = int32(len(ro.pyBuf)), int32(len(ro.inBuf))
	run := -1 // where the current run of non-Han began in pyBuf, or -1
	endRun := func() {
		if run >= 0 {
			ro.tokens[string(ro.pyBuf[run:])] = true
			run = -1
		}
	}
	mark := func() { // a syllable starts here
		n := len(ro.pyBuf)
		for len(ro.bits)*64 <= n {
			ro.bits = append(ro.bits, 0)
		}
		setBit(ro.bits, n)
	}
	syllable := func(y string) {
		endRun()
		mark()
		ro.pyBuf = append(ro.pyBuf, y...)
		ro.inBuf = append(ro.inBuf, y[0])
	}
	for i := 0; len(s) > 0; i++ {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if len(s) > 0 {
			next, nsize := utf8.DecodeRuneInString(s)
			if a, b, ok := placeReading(r, next); ok {
				ro.tokens[a], ro.tokens[b] = true, true
				syllable(a)
				syllable(b)
				s = s[nsize:]
				i++
				continue
			}
		}
		switch y := sylls[ids[i]]; {
		case y != "":
			syllable(y)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if run < 0 {
				mark()
				run = len(ro.pyBuf)
			}
			ro.pyBuf = utf8.AppendRune(ro.pyBuf, r)
			ro.inBuf = utf8.AppendRune(ro.inBuf, r)
		default:
			endRun()
		}
	}
	endRun()
	py.end, in.end = int32(len(ro.pyBuf)), int32(len(ro.inBuf))
	return py, in
}

// finish freezes the buffers as strings, so docs' parts are substrings.
func (ro *romaniser) finish() {
	ro.pyStr, ro.inStr = string(ro.pyBuf), string(ro.inBuf)
	ro.pyBuf, ro.inBuf = nil, nil
}

func (ro *romaniser) py(s span) string { return ro.pyStr[s.start:s.end] }
func (ro *romaniser) in(s span) string { return ro.inStr[s.start:s.end] }

func (ro *romaniser) syllableAt(i int) bool { return i/64 < len(ro.bits) && bit(ro.bits, i) }

// runeReading overrides go-pinyin's default reading where names almost
// always use another one.
func runeReading(r rune) (string, bool) {
	switch r {
	case '长': // 长沙, 长春, 长江: go-pinyin says zhang
		return "chang", true
	case '都': // 成都, 首都, 都市: go-pinyin says dou
		return "du", true
	}
	return "", false
}

// placeReading gives the reading of two-character words whose 多音字 differ
// from go-pinyin's default and from runeReading.
func placeReading(a, b rune) (string, string, bool) {
	switch [2]rune{a, b} {
	case [2]rune{'重', '庆'}:
		return "chong", "qing", true
	case [2]rune{'厦', '门'}:
		return "xia", "men", true
	case [2]rune{'六', '安'}:
		return "lu", "an", true
	case [2]rune{'蚌', '埠'}:
		return "beng", "bu", true
	case [2]rune{'银', '行'}:
		return "yin", "hang", true
	case [2]rune{'音', '乐'}:
		return "yin", "yue", true
	case [2]rune{'会', '计'}:
		return "kuai", "ji", true
	case [2]rune{'西', '藏'}:
		return "xi", "zang", true
	}
	return "", "", false
}

// asciiLower lowercases and keeps only a-z and 0-9, so a reading is plain
// ASCII whatever go-pinyin returns for rare syllables (ḿ, ń).
func asciiLower(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b = append(b, byte(r))
		case 'A' <= r && r <= 'Z':
			b = append(b, byte(r+'a'-'A'))
		case r == 'ḿ':
			b = append(b, 'm')
		case r == 'ń' || r == 'ň' || r == 'ǹ':
			b = append(b, 'n')
		}
	}
	return string(b)
}
