package syscalls

import (
	"fmt"
	"strings"
)

// Filter is a parsed syscall selection. It selects by name, so one Filter
// serves every arch. The zero Filter selects nothing.
type Filter struct {
	names map[string]bool
	// negated inverts names: everything but them is selected, including
	// numbers no table names.
	negated bool
}

// Parse parses a strace-style selection, as in strace -e trace=EXPR:
// comma-separated syscall names and %class entries, "all", or "none". Each
// leading "!" inverts the whole selection ("!%memory,futex" is everything but
// memory calls and futex). A name must be a syscall on at least one arch.
func Parse(expr string) (Filter, error) {
	f := Filter{names: map[string]bool{}}
	rest := strings.TrimSpace(expr)
	for strings.HasPrefix(rest, "!") {
		f.negated = !f.negated
		rest = rest[1:]
	}
	switch strings.TrimSpace(rest) {
	case "all":
		f.negated = !f.negated
		return f, nil
	case "none":
		return f, nil
	case "":
		return Filter{}, fmt.Errorf("--syscalls: empty list in %q", expr)
	}
	for _, word := range strings.Split(rest, ",") {
		word = strings.TrimSpace(word)
		switch {
		case word == "":
			return Filter{}, fmt.Errorf("--syscalls: empty entry in %q", expr)
		case strings.HasPrefix(word, "%"):
			class := word[1:]
			names, ok := Class(class)
			if !ok {
				return Filter{}, fmt.Errorf("--syscalls: unknown class %q%s", word, suggest(class, classNames(), "%"))
			}
			for _, name := range names {
				f.names[name] = true
			}
		case isKnownName(word):
			f.names[word] = true
		default:
			return Filter{}, fmt.Errorf("--syscalls: unknown syscall %q%s", word, suggest(word, knownNames(), ""))
		}
	}
	return f, nil
}

// Match reports whether the syscall called name is selected. Names no table
// knows, like "syscall_999", are selected only by a negated filter.
func (f Filter) Match(name string) bool {
	return f.names[name] != f.negated
}

// Numbers returns the sorted numbers of arch's named syscalls that f
// selects, e.g. for a seccomp filter. Numbers without a name on arch never
// appear, even when f is negated: see Bitmap.Has for them.
func (f Filter) Numbers(arch Arch) []uint32 {
	var nrs []uint32
	for nr, name := range arch.table() {
		if name != "" && f.Match(name) {
			nrs = append(nrs, uint32(nr))
		}
	}
	return nrs
}

// Bitmap returns f for arch as a lookup by number that needs no allocation
// and no string comparison, for the tracing loop.
func (f Filter) Bitmap(arch Arch) Bitmap {
	names := arch.table()
	b := Bitmap{selected: make([]bool, len(names)), unnamed: f.negated}
	for nr, name := range names {
		if name == "" {
			b.selected[nr] = f.negated
		} else {
			b.selected[nr] = f.Match(name)
		}
	}
	return b
}

// Bitmap is a Filter resolved for one arch.
type Bitmap struct {
	selected []bool
	// unnamed answers for numbers beyond the table, as Match does for
	// "syscall_<nr>".
	unnamed bool
}

// Has reports whether syscall nr is selected.
func (b Bitmap) Has(nr uint32) bool {
	if nr < uint32(len(b.selected)) {
		return b.selected[nr]
	}
	return b.unnamed
}

// knownNames returns every syscall name of every table, once each.
func knownNames() []string {
	seen := map[string]bool{"": true}
	var names []string
	for _, t := range allTables {
		for _, name := range t {
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
	}
	return names
}

// suggest returns ` (did you mean "X"?)` for the candidate closest to word,
// if one is close enough to be a likely typo, else "".
func suggest(word string, candidates []string, prefix string) string {
	if len(word) > 64 {
		return "" // no name is that long; spare the quadratic distance
	}
	best, bestDist := "", len(word)/3+1 // allow about one typo per three letters
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestDist || (d == bestDist && best != "" && c < best) {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", prefix+best)
}

// editDistance is the optimal string alignment distance between a and b, in
// bytes: Levenshtein plus swaps of adjacent letters, the commonest typo.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
