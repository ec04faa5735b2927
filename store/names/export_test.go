package names

import "testing"

// HunanEntries lets the external tests load the seed universities.
func HunanEntries(t testing.TB) []Entry { return hunan(t) }

// NoticeNames returns the notice's names as written, with their category.
func NoticeNames(t testing.TB) [][2]string {
	var out [][2]string
	for _, r := range readCSV(t, "notice-uncertified-2019-03-07.csv") {
		out = append(out, [2]string{r["name_as_written"], r["category"]})
	}
	return out
}

// Categories maps each university's name to its category.
func Categories(t testing.TB) map[string]string {
	out := map[string]string{}
	for _, r := range readCSV(t, "hunan-universities.csv") {
		out[r["name"]] = r["category"]
	}
	return out
}
