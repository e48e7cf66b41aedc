#!/bin/bash
# docs/ebpf-ab.sh ROUNDS EXPORTER… : an interleaved A/B of eBPF exporter
# builds on dd bs=1 count=2000000 (4 M syscalls) pinned to CPU 0, by dd's
# own time ("copied, … s"), so that loading the programs is not in it.
# Each round runs, in a random order: dd untraced; dd launched by each
# exporter (--backend=ebpf -- dd …); dd untraced while each exporter
# traces a sleeping process (what every other process pays). Prints the
# medians. Build each exporter as released, e.g. of a commit:
#   git worktree add /tmp/old COMMIT && (cd /tmp/old && CGO_ENABLED=0 go build -o /tmp/se-old ./cmd/syscall_exporter)
rounds=$1; shift
count=2000000
calls=$((2 * count))
dir=$(mktemp -d)
dd_own() { awk '/copied/ {print $(NF-3)}'; }
untraced() { taskset -c 0 dd if=/dev/zero of=/dev/null bs=1 count=$count 2>&1 | dd_own; }
traced() {
	taskset -c 0 "$1" --backend=ebpf --web.listen-address=127.0.0.1:18762 -- \
		dd if=/dev/zero of=/dev/null bs=1 count=$count 2>&1 | dd_own
}
beside() {
	sleep 600 &
	local idle=$!
	"$1" --backend=ebpf --web.listen-address=127.0.0.1:18763 --pid $idle 2> "$dir/log" &
	local exp=$!
	until grep -q "Listening on" "$dir/log"; do sleep 0.05; done
	untraced
	kill -TERM $exp; wait $exp
	kill $idle; wait $idle 2> /dev/null
}
for r in $(seq "$rounds"); do
	jobs="untraced"
	for i in $(seq $#); do jobs="$jobs traced:$i beside:$i"; done
	for job in $(echo $jobs | tr ' ' '\n' | shuf); do
		kind=${job%%:*}
		if [ "$kind" = untraced ]; then
			untraced >> "$dir/untraced"
		else
			i=${job#*:}
			"$kind" "${!i}" >> "$dir/$kind.$i"
		fi
	done
done
median() { sort -n "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
u=$(median "$dir/untraced")
echo "$rounds rounds, dd bs=1 count=$count ($calls syscalls) pinned to CPU 0, own time medians; untraced $u s"
for kind in traced beside; do
	for i in $(seq $#); do
		m=$(median "$dir/$kind.$i")
		awk -v k=$kind -v e="${!i}" -v m=$m -v u=$u -v n=$calls -v lo="$(sort -n "$dir/$kind.$i" | head -1)" -v hi="$(sort -n "$dir/$kind.$i" | tail -1)" \
			'BEGIN {printf "%-7s %-24s %.3f s (%.3f–%.3f)  %.2f× untraced  %.3f µs per syscall\n", k, e, m, lo, hi, m / u, (m - u) / n * 1e6}'
	done
done
rm -rf "$dir"
