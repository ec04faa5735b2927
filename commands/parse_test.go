package commands

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	tests := []struct {
		text string
		want Input
	}{
		{"/status 湖南警察学院", Input{Slash: true, Name: "status", Args: []string{"湖南警察学院"}}},
		{"/STATUS 湖南警察学院", Input{Slash: true, Name: "status", Args: []string{"湖南警察学院"}}},
		{"／状态　湖南警察学院", Input{Slash: true, Name: "状态", Args: []string{"湖南警察学院"}}},
		{"  @xuexibot /done 湖南警察学院 certify ", Input{Slash: true, Name: "done", Args: []string{"湖南警察学院", "certify"}}},
		{"＠小助手 ＠张三\n/lagging", Input{Slash: true, Name: "lagging"}},
		{"/set 湖南警察学院 管理员=\"张 三\" 党员数＝１２００", Input{Slash: true, Name: "set", Args: []string{"湖南警察学院", "管理员=张 三", "党员数=1200"}}},
		{"/set “湖南 警察学院” 管理员=“李四”", Input{Slash: true, Name: "set", Args: []string{"湖南 警察学院", "管理员=李四"}}},
		{"/history \"湖南警察学院", Input{Slash: true, Name: "history", Args: []string{"湖南警察学院"}}},
		{`/set x 管理员=""`, Input{Slash: true, Name: "set", Args: []string{"x", "管理员="}}},
		{`/set x ""`, Input{Slash: true, Name: "set", Args: []string{"x", ""}}},
		{"湖南警察学院", Input{Args: []string{"湖南警察学院"}}},
		{"湖南警察学院 进度？", Input{Args: []string{"湖南警察学院", "进度?"}}},
		{"/", Input{Slash: true}},
		{"/ status x", Input{Slash: true, Name: "status", Args: []string{"x"}}},
		{"@xuexibot", Input{}},
		{"", Input{}},
		{"/status\u200b湖南", Input{Slash: true, Name: "status湖南"}},
		{"a\xffb", Input{Args: []string{"a\uFFFDb"}}},
	}
	for _, tt := range tests {
		got := Parse(tt.text)
		if got.Slash != tt.want.Slash || got.Name != tt.want.Name || !slices.Equal(got.Args, tt.want.Args) {
			t.Errorf("Parse(%q) = %#v, want %#v", tt.text, got, tt.want)
		}
	}
}

func TestInputString(t *testing.T) {
	for _, in := range []Input{
		{Slash: true, Name: "set", Args: []string{"湖南 警察学院", "管理员=张 三", ""}},
		{Args: []string{"@张三", "/x", `a"b c`, "a”b c", "a\"”b c"}},
		{Slash: true, Name: "", Args: []string{"x"}},
	} {
		s := in.String()
		got := Parse(s)
		if got.Slash != in.Slash || got.Name != in.Name || !slices.Equal(got.Args, in.Args) {
			t.Errorf("Parse(%q) = %#v, want %#v", s, got, in)
		}
	}
}

// FuzzParse checks that Parse never panics, yields valid UTF-8 words
// without full-width forms, and that writing an Input back and parsing it
// again gives the same Input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"/status 湖南警察学院", "／状态　警察学院", "@bot /set 湖南警察学院 管理员=“张 三”", `/x "a b" “c d”`, "湖南警察学院进度",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		in := Parse(text)
		if !in.Slash && in.Name != "" {
			t.Fatalf("Parse(%q): a name without a slash: %#v", text, in)
		}
		for _, w := range append([]string{in.Name}, in.Args...) {
			if !utf8.ValidString(w) {
				t.Fatalf("Parse(%q): invalid UTF-8 word %q", text, w)
			}
			for _, r := range w {
				if r >= 0xFF01 && r <= 0xFF5E || r == '\u3000' {
					t.Fatalf("Parse(%q): word %q keeps a full-width form", text, w)
				}
			}
		}
		s := in.String()
		again := Parse(s)
		if again.Slash != in.Slash || again.Name != in.Name || !slices.Equal(again.Args, in.Args) {
			t.Fatalf("round trip of %q via %q: got %#v, want %#v", text, s, again, in)
		}
	})
}
