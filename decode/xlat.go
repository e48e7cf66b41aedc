package decode

// xlat is one of strace's value tables (src/xlat/*.in): names in strace's
// order, which is the order flags print in.
type xlat []xent

type xent struct {
	v uint64
	s string
}

// lookup returns the first name for exactly v.
func (x xlat) lookup(v uint64) (string, bool) {
	for _, e := range x {
		if e.v == v {
			return e.s, true
		}
	}
	return "", false
}

// xval prints v as strace's printxval: its name, or the value in hex and
// dflt as a comment ("0x270f /* F_??? */"; no comment when dflt is "").
func (f *formatter) xval(x xlat, v uint64, dflt string) {
	if s, ok := x.lookup(v); ok {
		f.s(s)
		return
	}
	f.x(v)
	f.comment(dflt)
}

func (f *formatter) comment(s string) {
	if s != "" {
		f.s(" /* ")
		f.s(s)
		f.s(" */")
	}
}

// flags prints v as strace's printflags: the names of the bits it has, in
// table order, joined by |, then what is left in hex. A value no name
// covers prints in hex with dflt as a comment; 0 prints "0" when dflt is
// set (and a zero-valued first entry names it).
func (f *formatter) flags(x xlat, v uint64, dflt string) {
	n := 0
	for _, e := range x {
		if v == e.v || e.v != 0 && v&e.v == e.v {
			if n > 0 {
				f.s("|")
			}
			f.s(e.s)
			v &^= e.v
			n++
		}
		if v == 0 {
			break
		}
	}
	switch {
	case n > 0:
		if v != 0 {
			f.s("|")
			f.x(v)
		}
	case v != 0:
		f.x(v)
		f.comment(dflt)
	case dflt != "":
		f.s("0")
	}
}

// sprintFlags is strace's sprintflags, for a note after a result: prefix
// and the names of v's bits, or "" when none has a name.
func sprintFlags(prefix string, x xlat, v uint64) string {
	if v == 0 && len(x) > 0 && x[0].v == 0 {
		return prefix + x[0].s
	}
	var f formatter
	f.s(prefix)
	found := false
	for _, e := range x {
		if e.v != 0 && v&e.v == e.v {
			if found {
				f.s("|")
			}
			f.s(e.s)
			found = true
			v &^= e.v
		}
	}
	if v != 0 {
		if found {
			f.s("|")
		}
		f.x(v)
	} else if !found {
		return ""
	}
	return string(f.b)
}
