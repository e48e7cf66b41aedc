#!/bin/bash
# docs/series-budget.sh EXPORTER PORT [flags…]: launches churn -u -n 12000 -l
# traced by EXPORTER (flags as given), waits until its 12 000 threads have
# come and gone, and prints the figures of docs/series-budget.md. Build first:
#   gcc -O1 -pthread -o /tmp/churn internal/testprog/src/churn.c
#   CGO_ENABLED=0 go build -o /tmp/syscall_exporter ./cmd/syscall_exporter
exp=$1; port=$2; shift 2
out=${TMPDIR:-/tmp}/budget.$port
churn=${CHURN:-${TMPDIR:-/tmp}/churn}
rm -f $out.fifo; mkfifo $out.fifo
"$exp" --web.listen-address=127.0.0.1:$port "$@" -- $churn -u -n 12000 -l < $out.fifo > $out.churn 2> $out.log &
pid=$!
exec 3> $out.fifo
for i in $(seq 1 600); do grep -q "joined 12000" $out.churn 2>/dev/null && break; sleep 0.5; done
sleep 2
curl -s -H 'Accept: text/plain' 127.0.0.1:$port/metrics > $out.txt
for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' 127.0.0.1:$port/metrics; done > $out.times
echo "samples syscall_* (excl self): $(grep '^syscall_' $out.txt | grep -vc '^syscall_exporter_')"
echo "buckets: $(grep -c '^syscall_duration_seconds_bucket' $out.txt) sum: $(grep -c '^syscall_duration_seconds_sum' $out.txt) count: $(grep -c '^syscall_duration_seconds_count' $out.txt) calls: $(grep -c '^syscall_calls_total' $out.txt) errors: $(grep -c '^syscall_errors_total' $out.txt)"
grep '^syscall_exporter_series' $out.txt
echo "calls: getppid $(grep '^syscall_calls_total.*syscall="getppid"' $out.txt | awk '{s+=$2} END {print s}')  other: $(grep '^syscall_calls_total.*syscall="other"' $out.txt | awk '{s+=$2} END {print s}') all: $(grep '^syscall_calls_total' $out.txt | awk '{s+=$2} END {printf "%d", s}')"
echo "RSS KiB: $(awk '/VmRSS/ {print $2}' /proc/$pid/status)  HWM: $(awk '/VmHWM/ {print $2}' /proc/$pid/status)"
echo "scrape s: $(sort -n $out.times | tr '\n' ' ')"
for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited' 127.0.0.1:$port/metrics; done > $out.ptimes
echo "protobuf scrape s: $(sort -n $out.ptimes | tr '\n' ' ')"
curl -s 127.0.0.1:$port/metrics | grep -E '^go_memstats_heap_inuse_bytes|^go_memstats_heap_alloc'
exec 3>&-
wait $pid
