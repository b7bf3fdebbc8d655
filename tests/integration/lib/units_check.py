#!/usr/bin/env python3
"""Check the README's "Units in reports" rule on ssdreplay's JSON and CSV reports.

usage: units_check.py FILE...   (.json or .csv; prints every key that breaks the rule, exit 1 if any)

The rule: a numeric key's suffix says its unit -- _bytes (integer), _Bps (bytes per
second, integer), _ns/_us/_ms/_s, _pct (0-100), _ratio, _iops, and X_per_Y for a
unit X per Y (read_bytes_per_token); a statistic may follow (_min _max _mean _p99 ...).
A key without a unit suffix is a count and must be an integer named in COUNTS.
fio's own blocks (jobs[] outside jobs[].ssdreplay, disk_util[]) keep fio's names and units: FIO.
"""
import csv, json, re, sys

UNIT = re.compile(r"(^|_)(bytes|Bps|ns|us|ms|s|pct|ratio|iops|per_s|bs|offset|length)$")
STAT = re.compile(r"_(min|max|mean|median|stddev|p\d+)$")
PER = re.compile(r"_per_(token|byte|expert|request|page)$")
INTEGER_UNITS = ("bytes", "Bps", "bs", "offset", "length")
# plain counts, identifiers (a layer, a CPU, a NUMA node) and 0/1 flags in CSV
COUNTS = set("""
records requests reads writes trims syncs zero_length targets ios hits misses late
pages pages_read demand_ios prefetch_ios prefetch_dropped evictions pinned_pages
max_prefetch_inflight steady_tokens tokens prefill_tokens generated_tokens qd threads
seq_qd rand_qd spec_rand_qd repeat repeats seed points runs runs_done errors verify_errors
split stripe_split merged realigned eof_trimmed remapped page_expanded skipped_writes
skipped_other issued completed failed eio errno_other short resubmitted retried
retried_ok threads_per_target numa_node layer tensor expert tensors layers version
gaps sequential forward backward restarts page_touches read_page_touches timed_requests
read_pages write_pages reread_pages read_ios write_ios n_layer n_embd n_ff n_head
n_head_kv n_vocab n_expert n_expert_used n_ff_exp n_expert_shared n_dense_lead
per_tensor nr_requests namespaces positions faults major_faults minor_faults per_token_faults
dropped pread_jobs pread_threads pread_max_inflight pread_dropped dims cpu_list
first_second seconds peak_second backwards second tag sequences decode_steps completions
injected_eio injected_short injected_delay fail_at target_index errno mdts pcie_gen
pcie_lanes link_gen link_width max_link_gen max_link_width timestamps partial swappiness
hugepage moe ok predictor N best_qd pgactivate load_pgactivate pgdeactivate workingset_refault workingset_activate per_token_activations
per_token_deactivations
""".split())
# keys that echo a size option keep its name and are bytes, as the option:
# --page, --bs (max_request); the kernel's own sysfs attribute names (devices)
OPTIONS = {"page", "max_request"}
SYSFS = {"logical_block_size", "physical_block_size", "max_sectors_kb", "max_hw_sectors_kb",
         "read_ahead_kb"}
# maps keyed by a value (a bucket bound, a percentile, a tensor kind): the map's
# own name carries the unit of its values (a count when it has none)
MAPS = {"percentile", "size_hist_le", "le", "read_le", "write_le", "kind_bytes",
        "latency_ns", "latency_us", "latency_ms"}
# fio's names, allowed only inside fio's job blocks
FIO = set("""
timestamp timestamp_ms time groupid error job_runtime elapsed usr_cpu sys_cpu ctx majf minf
io_bytes io_kbytes bw_bytes bw iops runtime total_ios short_ios drop_ios min max mean stddev N
bw_min bw_max bw_agg bw_mean bw_dev bw_samples iops_min iops_max iops_mean iops_stddev
iops_samples errors
read_ios write_ios read_merges write_merges read_ticks write_ticks in_queue util
""".split())
# a histogram's fields under a key that has the unit (clat_ns, lag_ns, interarrival_ns)
HIST = re.compile(r"^(N|min|max|mean|stddev|p\d+|percentile)$")

bad = []


def unit_of(key):
    k = STAT.sub("", key)
    k = PER.sub("", k)
    m = UNIT.search(k)
    return m.group(2) if m else None


def check(where, key, value):
    """value: int, float or None (CSV: None when the column is empty)."""
    if any(s in key for s in ("GBps", "GiBps", "MiBps", "gb_s", "_rate", "pct_", "percent")):
        bad.append(f"{where}: '{key}' spells a unit the rule does not have")
        return
    u = unit_of(key)
    if u is None:
        if key in OPTIONS or key in SYSFS:
            if isinstance(value, float):
                bad.append(f"{where}: '{key}' (bytes) is not an integer ({value})")
        elif key not in COUNTS:
            bad.append(f"{where}: '{key}' has no unit suffix and is not a known count")
        elif isinstance(value, float):
            bad.append(f"{where}: count '{key}' is not an integer ({value})")
    elif u in INTEGER_UNITS and isinstance(value, float):
        bad.append(f"{where}: '{key}' ({u}) is not an integer ({value})")
    if key == "bw_bytes" or key == "bw":
        bad.append(f"{where}: '{key}' is fio's spelling, outside a fio block (say _Bps)")


def walk(o, path, fio, mapunit=None):
    if isinstance(o, dict):
        for k, v in o.items():
            p = f"{path}.{k}"
            if fio and k == "ssdreplay":
                walk(v, p, False)
            elif mapunit is not None:
                walk(v, p, fio, mapunit) if isinstance(v, (dict, list)) else leaf(p, mapunit, v, fio)
            elif k in MAPS and isinstance(v, dict):
                walk(v, p, fio, k)
            elif isinstance(v, dict) and unit_of(k) and all(HIST.match(x) for x in v):
                walk(v, p, fio, k)  # a histogram: its fields have the unit of its name
            else:
                walk(v, p, fio) if isinstance(v, (dict, list)) else leaf(p, k, v, fio)
    elif isinstance(o, list):
        for v in o:
            walk(v, path + "[]", fio) if isinstance(v, (dict, list)) else leaf(path + "[]", path.rsplit(".", 1)[-1], v, fio)


def leaf(path, key, v, fio):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return
    if fio and (key in FIO or key in MAPS):
        return
    if key in MAPS:  # a bucket map's value: a count, or the unit its name says
        u = unit_of(key)
        if u in INTEGER_UNITS and isinstance(v, float):
            bad.append(f"{path}: {key} value is not an integer ({v})")
        return
    check(path, key, v)


def check_json(f):
    j = json.load(open(f))
    if isinstance(j, dict) and "jobs" in j:
        for k, v in j.items():
            # fio's blocks: jobs[] and disk_util[] (fio's /sys/block counters)
            walk(v, "." + k, k in ("jobs", "disk_util")) if isinstance(v, (dict, list)) else leaf("." + k, k, v, k in FIO)
    else:
        walk(j, "", False)


def check_csv(f):
    rows = list(csv.reader(open(f)))
    if not rows:
        return
    head = rows[0]
    for i, key in enumerate(head):
        vals = [r[i] for r in rows[1:] if i < len(r)]
        nums = []
        for s in vals:
            try:
                nums.append(int(s))
            except ValueError:
                try:
                    nums.append(float(s))
                except ValueError:
                    pass
        if not nums:
            continue
        v = next((n for n in nums if isinstance(n, float)), nums[0])
        check(f"{f}:{key}", key, v)


for f in sys.argv[1:]:
    n = len(bad)
    try:
        check_csv(f) if f.endswith(".csv") else check_json(f)
    except (OSError, ValueError) as e:
        bad.append(f"{f}: {e}")
    for b in bad[n:]:
        print(f"{f}: {b}" if not b.startswith(f) else b)
sys.exit(1 if bad else 0)
