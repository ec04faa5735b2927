package names

import (
	"runtime"
	"strconv"
	"testing"
)

// sizes are the index sizes benchmarked: Hunan's universities, and a
// country's universities with their branches.
var sizes = []int{124, 100_000}

func BenchmarkNew(b *testing.B) {
	for _, n := range sizes {
		es := synthetic(b, n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				New(es)
			}
			// What an index keeps once built, beyond its input.
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			ix := New(es)
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "MB-kept")
			runtime.KeepAlive(ix)
		})
	}
}

// benchLookup runs Lookup for each query over each index size.
func benchLookup(b *testing.B, queries map[string]string) {
	for _, n := range sizes {
		ix := New(synthetic(b, n))
		for name, q := range queries {
			b.Run(strconv.Itoa(n)+"/"+name, func(b *testing.B) {
				if len(ix.Lookup(q, 5)) == 0 {
					b.Fatalf("%q finds nothing", q)
				}
				b.ReportAllocs()
				for b.Loop() {
					ix.Lookup(q, 5)
				}
			})
		}
	}
}

func BenchmarkLookupExact(b *testing.B) {
	benchLookup(b, map[string]string{"name": "湖南警察学院", "alias": "湖南工商大学", "fullwidth": "湖南警察学院　"})
}

func BenchmarkLookupFragment(b *testing.B) {
	// 警察学院 is in few names; 学院 is in every one.
	benchLookup(b, map[string]string{"rare": "警察学院", "common": "学院"})
}

func BenchmarkLookupPinyin(b *testing.B) {
	benchLookup(b, map[string]string{"pinyin": "jingcha", "initials": "jcxy", "common": "xueyuan"})
}

func BenchmarkLookupFuzzy(b *testing.B) {
	benchLookup(b, map[string]string{"shortened": "湖南吉利汽车职业学院", "abbrev": "湘大"})
}

func BenchmarkNearest(b *testing.B) {
	for _, n := range sizes {
		ix := New(synthetic(b, n))
		for name, q := range map[string]string{"han": "湖南警查学院", "pinyin": "jingca"} {
			b.Run(strconv.Itoa(n)+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ix.Nearest(q, 3)
				}
			})
		}
	}
}
