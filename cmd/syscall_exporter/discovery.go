package main

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"time"

	"github.com/syscall-exporter/syscall_exporter/discovery"
)

// discoveryFlags find targets by name, for a sidecar that does not know
// PIDs and starts before its app.
type discoveryFlags struct {
	MatchComm         []string      `name:"match.comm" placeholder:"REGEX" help:"Trace every process whose name (comm) matches REGEX (repeatable); found by scanning /proc."`
	MatchCmdline      []string      `name:"match.cmdline" placeholder:"REGEX" help:"Trace every process whose command line (arguments joined by spaces) matches REGEX (repeatable)."`
	DiscoveryInterval time.Duration `name:"discovery.interval" default:"1s" help:"How often to scan /proc for --match.* processes."`

	matcher discovery.Matcher // the expressions, compiled
}

// Validate compiles the expressions.
func (f *discoveryFlags) Validate() error {
	m, err := f.compile()
	f.matcher = m
	return err
}

func (f *discoveryFlags) discovering() bool { return len(f.MatchComm)+len(f.MatchCmdline) > 0 }

func (f *discoveryFlags) compile() (discovery.Matcher, error) {
	var m discovery.Matcher
	for _, expr := range f.MatchComm {
		re, err := regexp.Compile(expr)
		if err != nil {
			return m, fmt.Errorf("--match.comm=%q: %s", expr, regexpProblem(err))
		}
		m.Comm = append(m.Comm, re)
	}
	for _, expr := range f.MatchCmdline {
		re, err := regexp.Compile(expr)
		if err != nil {
			return m, fmt.Errorf("--match.cmdline=%q: %s", expr, regexpProblem(err))
		}
		m.Cmdline = append(m.Cmdline, re)
	}
	if f.DiscoveryInterval <= 0 {
		return m, fmt.Errorf("--discovery.interval must be positive")
	}
	return m, nil
}

// regexpProblem says what is wrong with an expression without repeating
// it: raw, it may span lines, and bad input gets one line.
func regexpProblem(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return string(se.Code)
	}
	return strconv.Quote(err.Error())
}
