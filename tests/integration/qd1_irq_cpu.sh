#!/bin/bash
# QD 1 on a single-queue disk (virtio, SATA): the replay thread runs on the
# CPU that takes the disk's completion interrupts, so each completion wakes
# it without a cross-CPU IPI (issue #19's QD 1 point: ~20 us per request on
# this VM's virtio disk when the thread sat on the other vCPU). Read from
# the report's "cpus" against what sysfs/procfs say; --qd 2 and --cpus keep
# the old placement.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
# the disk under the file system of $T, as ssdreplay finds it (whole disk)
dev=$(stat -c '%d' "$T")
maj=$((dev >> 8 & 0xfff)) min=$(((dev & 0xff) | (dev >> 12 & 0xfff00)))
sys=$(readlink -f "/sys/dev/block/$maj:$min") || skip "no sysfs entry for $maj:$min"
[ -e "$sys/partition" ] && sys=$(dirname "$sys")
disk=$(basename "$sys")
[ "$(ls "/sys/block/$disk/mq" 2>/dev/null | wc -l)" = 1 ] || skip "$disk has not exactly one hardware queue"
d=$(readlink -f "/sys/block/$disk/device") || skip "$disk has no device"
irq=
for _ in 1 2 3 4 5 6 7 8; do
	if [ -d "$d/msi_irqs" ]; then
		irq=$(for i in $(ls "$d/msi_irqs"); do
			echo "$i $(tr ',' '\n' <"/sys/kernel/irq/$i/per_cpu_count" | paste -sd+ | bc)"
		done | sort -k2,2n | tail -n 1 | cut -d' ' -f1)
		break
	fi
	d=$(dirname "$d")
done
[ -n "$irq" ] || skip "no MSI vector found for $disk"
want=$(cat "/proc/irq/$irq/effective_affinity_list") || skip "no effective affinity for IRQ $irq"
all=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
[ "$want" != "$all" ] || skip "IRQ $irq of $disk may go to every CPU this test may use ($all)"

run() { # run QD [ARGS]: the report's cpus
	local qd=$1
	shift
	$SR replay "$f" --pattern rand --bs 4k --qd "$qd" --engine psync --loops 1 "$@" \
		--output-format json --output "$T/r.json" 2>"$T/err" || { cat "$T/err"; fail "replay --qd $qd $*"; }
	json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["cpus"]'
}
got=$(run 1)
[ "$got" = "$want" ] || fail "--qd 1 ran on CPUs '$got', the completion interrupt of $disk (IRQ $irq) goes to '$want'"
got=$(run 2)
[ "$got" != "$want" ] || fail "--qd 2 was pinned to the interrupt's CPUs '$want' too"
got=$(run 1 --cpus "$all")
[ "$got" = "$all" ] || fail "--qd 1 --cpus $all ran on '$got'"
ok "QD 1 on $disk runs on CPU $want (IRQ $irq); --qd 2 and --cpus do not"
