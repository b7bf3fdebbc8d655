/* Fuzz the option value parsers beyond sizes and durations (fuzz_units):
 * --fault, --on-error, --cpus, the trace filters (--event --dev --pid --comm
 * --ops --rw --time), --output-format, --access, a percentage (--mem-spread) and every sweep grid dimension. The input
 * up to the first NUL is the argument. Contract: 0, or -EINVAL with a
 * one-line message marked as bad input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "devices/affinity.h"
#include "replay/engine.h"
#include "replay/replay.h"
#include "study/sweep.h"
#include "synth/schedule.h"

#include "fuzz_common.h"

static void check(int ret, struct sr_err *e)
{
	if (ret && (ret != -EINVAL || !e->bad_input || !e->msg[0] || strchr(e->msg, '\n')))
		abort();
	if (!ret && e->code)
		abort();
	sr_err_clear(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sr_sweep_axis ax; /* 256 values: keep it off the stack */
	struct sr_faults f;
	struct sr_synth_opts so;
	struct sr_trace_opts o;
	struct sr_err e = { 0 };
	enum sr_out_fmt fmt;
	cpu_set_t cpus;
	unsigned retries;
	int pol, which, d, ret;
	double pct;
	char buf[512];
	size_t n = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1;

	memcpy(buf, data, n);
	buf[n] = '\0';

	memset(&f, 0, sizeof(f));
	check(sr_faults_parse("fuzz", buf, &f, &e), &e);
	if (f.nr_fail_at > SR_FAULT_AT_MAX || !(f.eio >= 0 && f.eio <= 1) ||
	    !(f.short_rate >= 0 && f.short_rate <= 1) || !(f.delay_rate >= 0 && f.delay_rate <= 1))
		abort();
	check(sr_on_error_parse("fuzz", buf, &pol, &retries, &e), &e);
	check(sr_cpulist_parse("fuzz: --cpus", buf, &cpus, &e), &e);
	check(sr_cli_outfmt("fuzz", buf, &fmt, &e), &e);
	memset(&so, 0, sizeof(so));
	ret = sr_cli_access("fuzz", buf, &so, &e);
	check(ret, &e);
	if (!ret && so.access == SR_ACCESS_PAGE && (so.page < 512 || so.page > (1ull << 30) || (so.page & (so.page - 1))))
		abort(); /* a page size is accepted only when it is one */
	pct = -1;
	ret = sr_cli_pct("fuzz", "pct", buf, 0, 50, &pct, &e);
	check(ret, &e);
	if (!ret && !(pct >= 0 && pct <= 50))
		abort(); /* accepted only inside its bounds (NaN is not) */
	for (which = 0; which < 6; which++) {
		memset(&o, 0, sizeof(o));
		check(sr_cli_trace_opt("fuzz", which, buf, &o, &e), &e);
	}
	for (d = 0; d < SR_DIM_NR; d++) {
		memset(&ax, 0, sizeof(ax));
		check(sr_sweep_parse((enum sr_sweep_dim)d, buf, &ax, &e), &e);
		if (ax.n > SR_SWEEP_MAX_VALUES)
			abort();
		/* checked ranges (base/checked.h): a numeric value is never 0 and
		 * a range never wraps back below where it started */
		for (size_t i = 0; d != SR_DIM_ENGINE && d != SR_DIM_POLICY && i < ax.n; i++)
			if (!ax.v[i].n)
				abort();
	}
	return 0;
}
