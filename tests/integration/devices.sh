#!/bin/bash
# devices: fixture sysfs trees (NVMe Gen4/Gen3, virtio, loop, dm), spec matching, link ceilings,
# --spec overrides and their errors, and the real machine's listing.
source "$SR_TESTLIB"
export SSDREPLAY_STATE=$T/state
unset SSDREPLAY_PROFILES
bash "$SR_SRC/tests/fixtures/mk_sysfs.sh" "$T/sys" || fail "cannot build the fixture sysfs"

# --- fixture: JSON fields -------------------------------------------------
$SR devices --json --sysfs-root "$T/sys" >"$T/d.json" || fail "devices --json on the fixture failed"
python3 - "$T/d.json" <<'PY' || fail "fixture JSON checks"
import json, sys
j = json.load(open(sys.argv[1]))
d = {x['name']: x for x in j['devices']}
def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
check(sorted(d) == ['dm-0', 'loop0', 'nvme0n1', 'nvme1n1', 'vda'], "device list %s" % sorted(d))
n0, n1, vda, loop = d['nvme0n1'], d['nvme1n1'], d['vda'], d['loop0']
check(n0['model'] == 'Samsung SSD 980 PRO 1TB' and n0['firmware'] == '5B2QGXA7', "nvme0n1 identity %r" % n0['model'])
check((n0['pcie']['link_gen'], n0['pcie']['link_width']) == (4, 4), "nvme0n1 link %r" % n0['pcie'])
check(n0['link_Bps'] and abs(n0['link_Bps'] - 7.88e9) < 0.01e9, "Gen4 x4 ceiling %r, expected 7.88 GB/s" % n0['link_Bps'])
check(n1['link_Bps'] and abs(n1['link_Bps'] - 3.94e9) < 0.01e9, "Gen3 x4 ceiling %r, expected 3.94 GB/s" % n1['link_Bps'])
check(n0['spec'] and n0['spec']['seq_read_Bps'] == 7e9 and n0['spec']['seq_write_Bps'] == 5e9, "980 PRO spec %r" % n0['spec'])
check('samsung.ini' in n0['spec']['profile'] and n0['spec']['source'], "980 PRO profile/source %r" % n0['spec'])
check(n1['spec'] and 'SN640' in n1['spec']['profile'], "SN640 profile %r" % n1['spec'])
check((n0['numa_node'], n1['numa_node'], vda['numa_node']) == (0, 1, None), "numa nodes")
check(n0['holders'] == ['dm-0'] and n0['logical_block_size'] == 512 and n1['logical_block_size'] == 4096, "holders/lbs")
check(vda['model'] is None and vda['spec'] is None and vda['link_Bps'] is None, "vda: nothing known expected")
check(vda['scheduler'] == 'mq-deadline' and n0['scheduler'] == 'none', "schedulers")
check(loop['backing_file'] == '/tmp/sr-fixture.img', "loop0 backing file")
check(vda['mounted'] == 'unknown', "fixture mount status should be unknown")
check(n0['spec_exceeds_link'] is False and n0['calibrated'] is None, "980 PRO fits its link; not calibrated")
check(d['dm-0']['spec'] and any('sits on nvme0n1' in x for x in d['dm-0']['notes']), "dm-0 resolves to nvme0n1")
PY
ok "fixture: models, links 7.88/3.94 GB/s, spec matched, NUMA, holders"

# --- text -------------------------------------------------------------------
$SR devices --sysfs-root "$T/sys" nvme0n1 >"$T/t.txt" || fail "text listing failed"
grep -q "link ceiling 7.88 GB/s: PCIe 4.0 x4" "$T/t.txt" || { cat "$T/t.txt"; fail "text: no link ceiling"; }
grep -q "spec: seq read 7000 MB/s" "$T/t.txt" || { cat "$T/t.txt"; fail "text: no spec"; }

# --- --spec above the link is flagged ----------------------------------------
$SR devices --json --sysfs-root "$T/sys" --spec seq_read=80GB/s nvme1n1 >"$T/o.json" || fail "--spec failed"
[ "$(json "$T/o.json" "j['devices'][0]['spec_exceeds_link']")" = True ] || fail "80 GB/s on Gen3 x4 not flagged"
case "$(json "$T/o.json" "j['devices'][0]['warnings'][0]")" in *"exceeds the PCIe 3.0 x4"*) ;; *) fail "no warning";; esac
$SR devices --sysfs-root "$T/sys" --spec seq_read=80GB/s nvme1n1 | grep -q "^  warning: spec sequential read 80.00 GB/s" ||
	fail "text: no warning line"
$SR devices --json --sysfs-root "$T/sys" --spec seq_read=3GB/s,pcie=3x4 nvme1n1 >"$T/o.json" || fail "--spec failed"
[ "$(json "$T/o.json" "j['devices'][0]['spec_exceeds_link']")" = False ] || fail "3 GB/s on Gen3 x4 flagged"
ok "spec above the link ceiling flagged"

# --- bad input: exit 2, one line ----------------------------------------------
expect_exit 2 "unknown key 'speed'" $SR devices --sysfs-root "$T/sys" --spec speed=7GB/s nvme0n1
expect_exit 2 "seq_read: expected a bandwidth" $SR devices --sysfs-root "$T/sys" --spec seq_read=fast nvme0n1
expect_exit 2 "pcie: expected GENxLANES" $SR devices --sysfs-root "$T/sys" --spec pcie=x4 nvme0n1
expect_exit 2 "neither a readable profile file" $SR devices --sysfs-root "$T/sys" --spec "$T/nope.ini" nvme0n1
printf '[a]\nseq_read = 1GB/s\nbogus = 1\n' >"$T/bad.ini"
expect_exit 2 "bad.ini:3: unknown key 'bogus'" $SR devices --sysfs-root "$T/sys" --spec "$T/bad.ini" nvme0n1
expect_exit 2 "sdq: not a block device" $SR devices --sysfs-root "$T/sys" sdq
expect_exit 2 "go with --calibrate" $SR devices --runtime 2
expect_exit 2 "sysfs tree" $SR devices --sysfs-root "$T/none"
mkdir -p "$T/prof/devices"
printf '[X]\nmodel = X\nseq_read = 1GB/s\n' >"$T/prof/devices/x.ini"
expect_exit 2 "x.ini: \[X\]: figures need a 'source ='" env SSDREPLAY_PROFILES="$T/prof" $SR devices --sysfs-root "$T/sys"
ok "bad --spec, device, database: exit 2 with one line"

# --- calibrate refuses a sparse file (no root needed: refused before any I/O) ---
truncate -s 64M "$T/sparse.img"
expect_exit 2 "sparse file" $SR devices --calibrate "$T/sparse.img"
[ ! -e "$T/state" ] || fail "a refused calibration wrote something"
ok "sparse file refused"

# --- the real machine ---------------------------------------------------------
$SR devices >"$T/real.txt" 2>"$T/real.err" || { cat "$T/real.err"; fail "devices on this machine failed"; }
$SR devices --json >"$T/real.json" || fail "devices --json on this machine failed"
n=$(json "$T/real.json" "len(j['devices'])")
if [ -e /sys/block/vda ]; then
	json "$T/real.json" "[x['name'] for x in j['devices']]" | grep -q "'vda'" || fail "vda not listed"
	grep -q "^vda " "$T/real.txt" || fail "vda not in the text listing"
fi
ok "this machine: $n device(s) listed"
