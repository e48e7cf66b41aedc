package dashboards

import (
	"encoding/json"
	"fmt"
	"regexp"
)

// Query is the PromQL of one panel target.
type Query struct {
	Panel   string // the panel's title
	RefID   string
	Expr    string
	Instant bool // the panel shows the value now, not a range (tables)
}

// VariableQuery is the query of one template variable of type "query".
type VariableQuery struct {
	Name  string
	Query string // e.g. label_values(syscall_calls_total{job=~"$job"}, process)
}

type dashboardJSON struct {
	Panels     []panelJSON `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panelJSON struct {
	Title   string      `json:"title"`
	Panels  []panelJSON `json:"panels"` // a collapsed row keeps its panels here
	Targets []struct {
		RefID   string `json:"refId"`
		Expr    string `json:"expr"`
		Instant bool   `json:"instant"`
	} `json:"targets"`
}

// Queries returns every panel target's query, rows' nested panels included,
// in dashboard order.
func Queries(dashboard []byte) ([]Query, error) {
	var d dashboardJSON
	if err := json.Unmarshal(dashboard, &d); err != nil {
		return nil, err
	}
	var qs []Query
	var walk func([]panelJSON)
	walk = func(ps []panelJSON) {
		for _, p := range ps {
			for _, t := range p.Targets {
				qs = append(qs, Query{Panel: p.Title, RefID: t.RefID, Expr: t.Expr, Instant: t.Instant})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return qs, nil
}

// VariableQueries returns the query of every template variable of type
// "query", whether stored as a string (classic) or as an object (Grafana 10's
// Prometheus variable editor).
func VariableQueries(dashboard []byte) ([]VariableQuery, error) {
	var d dashboardJSON
	if err := json.Unmarshal(dashboard, &d); err != nil {
		return nil, err
	}
	var vs []VariableQuery
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q string
		if err := json.Unmarshal(v.Query, &q); err != nil {
			var o struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal(v.Query, &o); err != nil {
				return nil, fmt.Errorf("variable %s: query is neither a string nor an object: %s", v.Name, v.Query)
			}
			q = o.Query
		}
		vs = append(vs, VariableQuery{Name: v.Name, Query: q})
	}
	return vs, nil
}

var labelValuesRE = regexp.MustCompile(`^\s*label_values\(\s*(?:(.*\S)\s*,\s*)?(\w+)\s*\)\s*$`)

// LabelValues splits label_values(match, label) or label_values(label). Ask
// Prometheus what Grafana asks: GET /api/v1/label/<label>/values with
// match[]=<match> (after Substitute) when match is not empty.
func (v VariableQuery) LabelValues() (match, label string, ok bool) {
	m := labelValuesRE.FindStringSubmatch(v.Query)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// varRE matches Grafana's variable syntaxes: ${name}, ${name:format},
// [[name]], [[name:format]] and $name.
var varRE = regexp.MustCompile(`\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)`)

// builtinDefaults are Grafana's interval variables, sized for a short test
// against a Prometheus scraping every few seconds.
var builtinDefaults = map[string]string{
	"__rate_interval": "1m",
	"__interval":      "1m",
	"__interval_ms":   "60000",
	"__range":         "1h",
	"__range_s":       "3600",
	"__range_ms":      "3600000",
}

// Substitute replaces template variables in expr the way Grafana does before
// it sends a query. vars maps a variable's name to its value, already
// formatted: for a multi-value variable pass the regex Grafana would build,
// e.g. "(a|b)", or its allValue such as ".+". A format suffix (${pod:regex})
// is accepted and the value inserted as is. Grafana's interval variables
// default to $__rate_interval = $__interval = 1m and $__range = 1h unless
// vars sets them. References to unknown variables are left untouched, so the
// query fails loudly rather than silently matching nothing.
func Substitute(expr string, vars map[string]string) string {
	return varRE.ReplaceAllStringFunc(expr, func(ref string) string {
		name := refName(ref)
		if v, ok := vars[name]; ok {
			return v
		}
		if v, ok := builtinDefaults[name]; ok {
			return v
		}
		return ref
	})
}

// references returns the names of the variables expr refers to.
func references(expr string) []string {
	var names []string
	for _, ref := range varRE.FindAllString(expr, -1) {
		names = append(names, refName(ref))
	}
	return names
}

func refName(ref string) string {
	m := varRE.FindStringSubmatch(ref)
	for _, g := range m[1:] {
		if g != "" {
			return g
		}
	}
	return ""
}
