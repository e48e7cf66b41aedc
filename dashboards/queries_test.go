package dashboards

import (
	"reflect"
	"testing"
)

func TestQueries(t *testing.T) {
	const dashboard = `{
	  "panels": [
	    {"type": "row", "title": "Open", "panels": []},
	    {"type": "timeseries", "title": "Calls", "targets": [
	      {"refId": "A", "expr": "rate(a[$__rate_interval])"},
	      {"refId": "B", "expr": "b"}
	    ]},
	    {"type": "row", "title": "Collapsed", "collapsed": true, "panels": [
	      {"type": "table", "title": "Now", "targets": [{"refId": "A", "expr": "c", "instant": true}]}
	    ]}
	  ],
	  "templating": {"list": [
	    {"name": "datasource", "type": "datasource", "query": "prometheus"},
	    {"name": "job", "type": "query", "query": "label_values(up, job)"},
	    {"name": "pod", "type": "query", "query": {"query": "label_values(up{job=~\"$job\"}, pod)", "refId": "PrometheusVariableQueryEditor-VariableQuery"}},
	    {"name": "k", "type": "custom", "query": "5,10"}
	  ]}
	}`
	qs, err := Queries([]byte(dashboard))
	if err != nil {
		t.Fatal(err)
	}
	wantQ := []Query{
		{Panel: "Calls", RefID: "A", Expr: "rate(a[$__rate_interval])"},
		{Panel: "Calls", RefID: "B", Expr: "b"},
		{Panel: "Now", RefID: "A", Expr: "c", Instant: true},
	}
	if !reflect.DeepEqual(qs, wantQ) {
		t.Errorf("Queries:\n got %+v\nwant %+v", qs, wantQ)
	}

	vs, err := VariableQueries([]byte(dashboard))
	if err != nil {
		t.Fatal(err)
	}
	wantV := []VariableQuery{
		{Name: "job", Query: "label_values(up, job)"},
		{Name: "pod", Query: `label_values(up{job=~"$job"}, pod)`},
	}
	if !reflect.DeepEqual(vs, wantV) {
		t.Errorf("VariableQueries:\n got %+v\nwant %+v", vs, wantV)
	}

	if _, err := Queries([]byte(`{"panels": 1}`)); err == nil {
		t.Error("Queries accepted panels that are not a list")
	}
	if _, err := VariableQueries([]byte(`{"templating": {"list": [{"name": "x", "type": "query", "query": 1}]}}`)); err == nil {
		t.Error("VariableQueries accepted a numeric query")
	}
}

func TestLabelValues(t *testing.T) {
	for _, tc := range []struct {
		query, match, label string
		ok                  bool
	}{
		{`label_values(job)`, "", "job", true},
		{`label_values(up, job)`, "up", "job", true},
		{` label_values( syscall_calls_total{job=~"$job", pod=~"$pod"} , process ) `, `syscall_calls_total{job=~"$job", pod=~"$pod"}`, "process", true},
		{`query_result(up)`, "", "", false},
		{`label_names()`, "", "", false},
	} {
		match, label, ok := VariableQuery{Query: tc.query}.LabelValues()
		if match != tc.match || label != tc.label || ok != tc.ok {
			t.Errorf("LabelValues(%q) = %q, %q, %v; want %q, %q, %v", tc.query, match, label, ok, tc.match, tc.label, tc.ok)
		}
	}
}

func TestSubstitute(t *testing.T) {
	vars := map[string]string{"job": "syscall-exporter", "pod": "(web-0|web-1)", "pod_name": "p", "__rate_interval": "4s"}
	for _, tc := range []struct{ in, want string }{
		{`rate(x{job=~"$job"}[$__rate_interval])`, `rate(x{job=~"syscall-exporter"}[4s])`},
		{`x{pod=~"${pod}"}`, `x{pod=~"(web-0|web-1)"}`},
		{`x{pod=~"${pod:regex}"}`, `x{pod=~"(web-0|web-1)"}`},
		{`x{pod=~"[[pod]]"} [[pod:pipe]]`, `x{pod=~"(web-0|web-1)"} (web-0|web-1)`},
		// The longest name wins: $pod_name is not $pod followed by "_name".
		{`x{a="$pod_name", b="$pod"}`, `x{a="p", b="(web-0|web-1)"}`},
		// Defaults for Grafana's own variables that vars does not set.
		{`increase(x[$__interval]) offset $__range`, `increase(x[1m]) offset 1h`},
		{`$__range_s $__range_ms $__interval_ms`, `3600 3600000 60000`},
		// Unknown variables, label_replace's $1 and a regex's $ stay.
		{`x{a="$nope"} ${nope:csv}`, `x{a="$nope"} ${nope:csv}`},
		{`label_replace(x, "a", "$1", "b", "(.*)$")`, `label_replace(x, "a", "$1", "b", "(.*)$")`},
	} {
		if got := Substitute(tc.in, vars); got != tc.want {
			t.Errorf("Substitute(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
