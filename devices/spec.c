/* The spec database (profiles/devices/NAME.ini), --spec overrides and the
 * calibrated profiles, combined into one struct sr_devspec per target.
 *
 * A database section describes one model:
 *   [Samsung SSD 980 PRO 1TB]
 *   model = Samsung SSD 980 PRO 1TB   ; repeatable; globs allowed (* ? [..])
 *   seq_read = 7000MB/s               ; MB/s and GB/s are decimal, as vendors write them
 *   seq_write = 5000MB/s
 *   rand_read = 1000k                 ; 4 KiB random IOPS
 *   rand_write = 1000k
 *   qd = 32                           ; queue depth the vendor quoted IOPS at
 *   pcie = 4x4                        ; generation x lanes
 *   source = where the figures come from (required when any figure is given)
 * Model strings are compared case-insensitively with surrounding blanks
 * trimmed and inner runs of blanks collapsed (sysfs pads them); an exact
 * match beats a glob, a longer glob beats a shorter one. */
#include "devices/spec.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "devices/discover.h"
#include "base/ini.h"
#include "base/install.h"

#define MAX_PATTERNS 8

enum {
	F_SEQ_READ = 1 << 0, F_SEQ_WRITE = 1 << 1, F_RAND_READ = 1 << 2, F_RAND_WRITE = 1 << 3,
	F_QD = 1 << 4, F_PCIE = 1 << 5, F_MODEL = 1 << 6, F_SOURCE = 1 << 7,
	F_FIGURES = F_SEQ_READ | F_SEQ_WRITE | F_RAND_READ | F_RAND_WRITE | F_QD | F_PCIE,
};

struct fields {
	unsigned set;
	double seq_read, seq_write, rand_read, rand_write;
	unsigned qd, gen, lanes;
	char model[MAX_PATTERNS][128];
	int nr_models;
	char source[256];
	char name[128]; /* section */
	char file[PATH_MAX];
};

static const char *const keys_help =
	"seq_read, seq_write, rand_read, rand_write, qd, pcie, gen, lanes, model, source";

const char *sr_devspec_db_dir(void)
{
	static char buf[PATH_MAX];

	/* the same lookup as model profiles: env, installed, source tree */
	snprintf(buf, sizeof(buf), "%s/devices", sr_profile_dir());
	return buf;
}

/* "7000MB/s", "7 GB/s", "6.5GiB/s", "7000" (MB/s): bytes per second. */
static int parse_bw(const char *s, double *out)
{
	static const struct {
		const char *u;
		double m;
	} units[] = {
		{ "", 1e6 }, { "b", 1 }, { "kb", 1e3 }, { "mb", 1e6 }, { "gb", 1e9 }, { "tb", 1e12 },
		{ "kib", 1024.0 }, { "mib", 1048576.0 }, { "gib", 1073741824.0 }, { "k", 1e3 },
		{ "m", 1e6 }, { "g", 1e9 },
	};
	char u[16], *end;
	double v = strtod(s, &end);
	size_t i, n;

	if (end == s || !(v > 0) || v > 1e9)
		return -EINVAL;
	while (*end == ' ')
		end++;
	n = strlen(end);
	if (n >= sizeof(u))
		return -EINVAL;
	for (i = 0; i <= n; i++)
		u[i] = (char)tolower((unsigned char)end[i]);
	if (n >= 2 && (!strcmp(u + n - 2, "/s") || !strcmp(u + n - 2, "ps")))
		u[n - 2] = 0;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(u, units[i].u)) {
			*out = v * units[i].m;
			return 0;
		}
	return -EINVAL;
}

/* "1000k", "1M", "1000000", "1000k IOPS". */
static int parse_iops(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end), m = 1;

	if (end == s || !(v > 0) || v > 1e12)
		return -EINVAL;
	while (*end == ' ')
		end++;
	if (*end == 'k' || *end == 'K')
		m = 1e3, end++;
	else if (*end == 'm' || *end == 'M')
		m = 1e6, end++;
	while (*end == ' ')
		end++;
	if (*end && strcasecmp(end, "iops"))
		return -EINVAL;
	*out = v * m;
	return 0;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || s[0] == '-' || v < lo || v > hi)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* "4x4", "gen4x4", "4.0x4", "Gen4 x4", "PCIe 4.0 x4". */
static int parse_pcie(const char *s, unsigned *gen, unsigned *lanes)
{
	char b[32];
	size_t i, j = 0;
	unsigned g, l;
	int pos = 0;

	for (i = 0; s[i] && j < sizeof(b) - 1; i++)
		if (s[i] != ' ')
			b[j++] = (char)tolower((unsigned char)s[i]);
	b[j] = 0;
	if (!strncmp(b, "pcie", 4))
		memmove(b, b + 4, strlen(b + 4) + 1);
	if (!strncmp(b, "gen", 3))
		memmove(b, b + 3, strlen(b + 3) + 1);
	if (sscanf(b, "%u.0x%u%n", &g, &l, &pos) != 2 || b[pos]) {
		pos = 0;
		if (sscanf(b, "%u x%u%n", &g, &l, &pos) != 2 || b[pos])
			return -EINVAL;
	}
	if (!g || g > 6 || !l || l > 32)
		return -EINVAL;
	*gen = g;
	*lanes = l;
	return 0;
}

static void norm_model(const char *in, char *out, size_t n)
{
	size_t j = 0;
	int space = 0;

	for (; *in && j + 1 < n; in++) {
		if (isspace((unsigned char)*in)) {
			space = j > 0;
			continue;
		}
		if (space && j + 2 < n)
			out[j++] = ' ';
		space = 0;
		out[j++] = *in;
	}
	out[j] = 0;
}

static void fmtf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fmtf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

static int failf(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Set one field; msg gets "expected ..." on a bad value or key. */
static int set_field(struct fields *f, const char *key, const char *val, char *msg, size_t n)
{
	char v[256];

	norm_model(val, v, sizeof(v));
	if (!strcmp(key, "seq_read") || !strcmp(key, "seq_write")) {
		double *d = key[4] == 'r' ? &f->seq_read : &f->seq_write;

		if (parse_bw(v, d))
			return failf(msg, n, "%s: expected a bandwidth like 7000MB/s or 7GB/s, found '%s'", key, v);
		f->set |= key[4] == 'r' ? F_SEQ_READ : F_SEQ_WRITE;
	} else if (!strcmp(key, "rand_read") || !strcmp(key, "rand_write")) {
		double *d = key[5] == 'r' ? &f->rand_read : &f->rand_write;

		if (parse_iops(v, d))
			return failf(msg, n, "%s: expected 4K IOPS like 1000k or 1000000, found '%s'", key, v);
		f->set |= key[5] == 'r' ? F_RAND_READ : F_RAND_WRITE;
	} else if (!strcmp(key, "qd")) {
		if (parse_uint(v, 1, 65536, &f->qd))
			return failf(msg, n, "qd: expected a queue depth 1..65536, found '%s'", v);
		f->set |= F_QD;
	} else if (!strcmp(key, "pcie")) {
		if (parse_pcie(v, &f->gen, &f->lanes))
			return failf(msg, n, "pcie: expected GENxLANES like 4x4 or 3.0x4 (gen 1..6, 1..32 lanes), found '%s'", v);
		f->set |= F_PCIE;
	} else if (!strcmp(key, "gen")) {
		if (parse_uint(v, 1, 6, &f->gen))
			return failf(msg, n, "gen: expected a PCIe generation 1..6, found '%s'", v);
		f->set |= F_PCIE;
	} else if (!strcmp(key, "lanes")) {
		if (parse_uint(v, 1, 32, &f->lanes))
			return failf(msg, n, "lanes: expected 1..32, found '%s'", v);
		f->set |= F_PCIE;
	} else if (!strcmp(key, "model")) {
		if (!v[0])
			return failf(msg, n, "model: expected a model string or glob, found nothing");
		if (f->nr_models >= MAX_PATTERNS)
			return failf(msg, n, "model: at most %d patterns per section", MAX_PATTERNS);
		sr_strcpy(f->model[f->nr_models++], sizeof(f->model[0]), v);
		f->set |= F_MODEL;
	} else if (!strcmp(key, "source")) {
		sr_strcpy(f->source, sizeof(f->source), v);
		f->set |= F_SOURCE;
	} else {
		return failf(msg, n, "unknown key '%s' (expected %s)", key, keys_help);
	}
	return 0;
}

/* Both gen and lanes, or neither. */
static int check_pcie(const struct fields *f, char *msg, size_t n)
{
	if ((f->set & F_PCIE) && (!f->gen || !f->lanes))
		return failf(msg, n, "give both gen and lanes (or pcie=GENxLANES)");
	return 0;
}

struct db {
	struct fields *sec;
	int n, cap;
	const char *file;
	struct sr_ini ini;
	int single;     /* an override file: one section (or none) */
};

static int db_handler(void *user, const char *section, const char *name, const char *value)
{
	struct db *db = user;
	struct fields *f;

	if (db->ini.bad)
		return 1; /* keep the first error */
	if (!db->n || strcmp(db->sec[db->n - 1].name, section)) {
		if (db->single && db->n) {
			return sr_ini_fail(&db->ini, "expected one section in an override file, found [%s] too",
					   section);
		}
		if (db->n == db->cap) {
			int cap = db->cap ? db->cap * 2 : 16;
			struct fields *p = realloc(db->sec, (size_t)cap * sizeof(*p));

			if (!p)
				return sr_ini_fail(&db->ini, "out of memory");
			db->sec = p;
			db->cap = cap;
		}
		f = &db->sec[db->n++];
		memset(f, 0, sizeof(*f));
		sr_strcpy(f->name, sizeof(f->name), section);
		sr_strcpy(f->file, sizeof(f->file), db->file);
	}
	f = &db->sec[db->n - 1];
	if (!db->single && !section[0])
		return sr_ini_fail(&db->ini, "key '%s' outside a [model] section", name);
	if (set_field(f, name, value, db->ini.msg, sizeof(db->ini.msg))) {
		db->ini.bad = 1;
		return 0;
	}
	return 1;
}

/* Parse one INI file into db->sec; errors name FILE:LINE. */
static int db_load_file(struct db *db, const char *path, struct sr_err *e)
{
	int first = db->n, i, ret;

	db->file = path;
	if ((ret = sr_ini_parse(path, NULL, db_handler, db, &db->ini, e)))
		return ret;
	for (i = first; i < db->n; i++) {
		struct fields *f = &db->sec[i];

		if (check_pcie(f, db->ini.msg, sizeof(db->ini.msg)))
			return sr_inputf(e, "%s: [%s]: %s", path, f->name, db->ini.msg);
		if (!db->single && (f->set & F_FIGURES) && !(f->set & F_SOURCE))
			return sr_inputf(e, "%s: [%s]: figures need a 'source =' line saying where they come from",
					 path, f->name);
		if (!db->single && !f->nr_models && f->name[0]) {
			norm_model(f->name, f->model[0], sizeof(f->model[0]));
			f->nr_models = 1;
		}
	}
	return 0;
}

static int ini_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 4 && !strcmp(de->d_name + n - 4, ".ini");
}

/* Load every profiles/devices/NAME.ini (sorted by name), or fail on the first bad one. */
static int db_load(struct db *db, struct sr_err *e)
{
	const char *dir = sr_devspec_db_dir();
	struct dirent **list = NULL;
	char path[PATH_MAX + 256]; /* dir + a d_name */
	int n, i, ret = 0;

	n = scandir(dir, &list, ini_filter, alphasort);
	if (n < 0)
		return 0; /* no database installed: nothing matches */
	for (i = 0; i < n; i++) {
		if (!ret) {
			snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
			ret = db_load_file(db, path, e);
		}
		free(list[i]);
	}
	free(list);
	return ret;
}

static int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Score a pattern against a normalized model: 0 no match, else higher is
 * more specific. */
static size_t match_score(const char *pat, const char *model)
{
	size_t lit = 0;
	const char *c;

	if (!has_glob(pat))
		return strcasecmp(pat, model) ? 0 : 100000;
	if (fnmatch(pat, model, FNM_CASEFOLD))
		return 0;
	for (c = pat; *c; c++)
		lit += !strchr("*?[]", *c);
	return 1 + lit;
}

static const struct fields *db_match(const struct db *db, const char *model)
{
	const struct fields *best = NULL;
	size_t best_score = 0;
	char norm[128];
	int i, j;

	norm_model(model, norm, sizeof(norm));
	if (!norm[0])
		return NULL;
	for (i = 0; i < db->n; i++)
		for (j = 0; j < db->sec[i].nr_models; j++) {
			size_t sc = match_score(db->sec[i].model[j], norm);

			if (sc > best_score) {
				best_score = sc;
				best = &db->sec[i];
			}
		}
	return best;
}

/* --spec: a profile file (one section or bare keys) or key=value,... */
static int parse_override(const char *ov, struct fields *f, struct sr_err *e)
{
	char buf[1024], msg[300], *tok, *save = NULL;

	memset(f, 0, sizeof(*f));
	if (!strchr(ov, '=')) {
		struct db db = { .single = 1 };
		int ret;

		if (access(ov, R_OK))
			return sr_inputf(e, "--spec: '%s' is neither a readable profile file nor key=value,... (keys: %s)",
					 ov, keys_help);
		ret = db_load_file(&db, ov, e);
		if (!ret && db.n)
			*f = db.sec[0];
		free(db.sec);
		if (!ret && !(f->set & F_SOURCE))
			snprintf(f->source, sizeof(f->source), "--spec %s", ov);
		return ret;
	}
	if (strlen(ov) >= sizeof(buf))
		return sr_inputf(e, "--spec: too long (%zu characters, at most %zu)", strlen(ov), sizeof(buf) - 1);
	memcpy(buf, ov, strlen(ov) + 1);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			return sr_inputf(e, "--spec: expected key=value, found '%s' (keys: %s)", tok, keys_help);
		*eq = 0;
		norm_model(tok, tok, strlen(tok) + 1);
		if (set_field(f, tok, eq + 1, msg, sizeof(msg)))
			return sr_inputf(e, "--spec: %s", msg);
	}
	if (check_pcie(f, msg, sizeof(msg)))
		return sr_inputf(e, "--spec: %s", msg);
	if (!(f->set & F_SOURCE))
		snprintf(f->source, sizeof(f->source), "--spec");
	return 0;
}

static void apply(struct sr_devspec *s, const struct fields *f)
{
	if (f->set & F_SEQ_READ)
		s->seq_read_Bps = f->seq_read;
	if (f->set & F_SEQ_WRITE)
		s->seq_write_Bps = f->seq_write;
	if (f->set & F_RAND_READ)
		s->rand_read_iops = f->rand_read;
	if (f->set & F_RAND_WRITE)
		s->rand_write_iops = f->rand_write;
	if (f->set & F_QD)
		s->rand_qd = f->qd;
	if (f->set & F_PCIE) {
		s->pcie_gen = f->gen;
		s->pcie_lanes = f->lanes;
	}
	if (f->set & F_SOURCE)
		sr_strcpy(s->source, sizeof(s->source), f->source);
}

int sr_devspec_cal_dir(char *buf, size_t n)
{
	const char *st = getenv("SSDREPLAY_STATE"), *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (st && *st)
		snprintf(buf, n, "%s/devices", st);
	else if (xdg && *xdg)
		snprintf(buf, n, "%s/ssdreplay/devices", xdg);
	else if (home && *home)
		snprintf(buf, n, "%s/.local/state/ssdreplay/devices", home);
	else
		return -ENOENT;
	return 0;
}

void sr_devspec_key(const char *disk, const char *model, const char *serial, char *out, size_t n)
{
	char raw[256];
	size_t i, j = 0;

	if (model && *model)
		snprintf(raw, sizeof(raw), "%s%s%s", model, serial && *serial ? "-" : "", serial ? serial : "");
	else
		sr_strcpy(raw, sizeof(raw), disk && *disk ? disk : "unknown");
	for (i = 0; raw[i] && j + 1 < n; i++) {
		char c = raw[i];

		if (!isalnum((unsigned char)c) && c != '.' && c != '-')
			c = '_';
		if (c == '_' && j && out[j - 1] == '_')
			continue;
		out[j++] = c;
	}
	while (j && out[j - 1] == '_')
		j--;
	out[j] = 0;
}

struct calfile {
	struct sr_devspec *s;
	struct sr_ini ini;
};

static int cal_handler(void *user, const char *section, const char *name, const char *value)
{
	struct calfile *c = user;
	double d;
	unsigned u;

	(void)section;
	if (c->ini.bad)
		return 1;
	if (!strcmp(name, "seq_read")) {
		if (parse_bw(value, &d))
			goto bad;
		c->s->cal_seq_read_Bps = d;
	} else if (!strcmp(name, "rand_read")) {
		if (parse_iops(value, &d))
			goto bad;
		c->s->cal_rand_read_iops = d;
	} else if (!strcmp(name, "seq_bs")) {
		if (parse_uint(value, 512, 1u << 30, &u))
			goto bad;
		c->s->cal_seq_bs = u;
	} else if (!strcmp(name, "seq_qd") || !strcmp(name, "rand_qd")) {
		if (parse_uint(value, 1, 65536, &u))
			goto bad;
		*(name[0] == 's' ? &c->s->cal_seq_qd : &c->s->cal_rand_qd) = u;
	}
	return 1; /* other keys are informational */
bad:
	return sr_ini_fail(&c->ini, "%s: bad value '%s'", name, value);
}

static int load_cal(struct sr_devspec *s, const char *key, struct sr_err *e)
{
	struct calfile c = { .s = s };
	char dir[PATH_MAX / 2], path[PATH_MAX];
	struct sr_err ce = { 0 };

	if (sr_devspec_cal_dir(dir, sizeof(dir)))
		return 0;
	snprintf(path, sizeof(path), "%s/%s.ini", dir, key);
	if (access(path, R_OK))
		return 0;
	if (sr_ini_parse(path, NULL, cal_handler, &c, &c.ini, &ce)) {
		s->cal_seq_read_Bps = s->cal_rand_read_iops = 0;
		return sr_inputf(e, "%s (delete it or run devices --calibrate again)", ce.msg);
	}
	sr_strcpy(s->cal_file, sizeof(s->cal_file), path);
	return 0;
}

static void fmt_gbs(char *buf, size_t n, double Bps)
{
	snprintf(buf, n, "%.2f GB/s", Bps / 1e9);
}

int sr_devspec_for_path(const char *path, const char *override, const char *sysfs_root,
			struct sr_devspec *s, struct sr_err *e)
{
	struct fields ov;
	struct db db = { 0 };
	const struct fields *m;
	struct sr_blkdev *d = NULL;
	char key[192];
	int have_ov = override && *override, ret;

	memset(s, 0, sizeof(*s));
	s->numa_node = -1;
	if (!sysfs_root)
		sysfs_root = "/sys";
	if (have_ov && (ret = parse_override(override, &ov, e)))
		return ret;

	if (path && *path && !sr_disk_for_path(path, sysfs_root, s->disk, sizeof(s->disk), s->note,
						sizeof(s->note), NULL) && s->disk[0]) {
		d = malloc(sizeof(*d));
		if (d && !sr_blkdev_read(sysfs_root, NULL, s->disk, 0, d, NULL)) {
			sr_strcpy(s->model, sizeof(s->model), d->model);
			sr_strcpy(s->serial, sizeof(s->serial), d->serial);
			s->link_gen = d->link_gen;
			s->link_lanes = d->link_width;
			s->link_max_gen = d->link_max_gen;
			s->link_max_lanes = d->link_max_width;
			s->numa_node = d->numa_node;
			sr_strcpy(s->cpulist, sizeof(s->cpulist), d->cpulist);
		}
	} else if (path && *path && !s->note[0]) {
		snprintf(s->note, sizeof(s->note), "%s: no block device found under %s", path, sysfs_root);
	}
	if (have_ov && ov.nr_models)
		sr_strcpy(s->model, sizeof(s->model), ov.model[0]);

	ret = db_load(&db, e);
	if (ret)
		goto out;
	m = db_match(&db, s->model);
	if (m) {
		apply(s, m);
		fmtf(s->profile, sizeof(s->profile), "%s [%s]", m->file, m->name);
	}
	if (have_ov) {
		char base[256];

		sr_strcpy(base, sizeof(base), s->source);
		apply(s, &ov);
		if ((ov.set & F_FIGURES) && !(ov.set & F_SOURCE) && base[0])
			fmtf(s->source, sizeof(s->source), "%s (other figures: %s)", ov.source, base);
		else if ((ov.set & F_FIGURES) && !(ov.set & F_SOURCE))
			sr_strcpy(s->source, sizeof(s->source), ov.source);
	}

	if (s->link_gen && s->link_lanes) {
		char max[24] = "";

		s->link_Bps = sr_pcie_link_Bps(s->link_gen, s->link_lanes);
		sr_pcie_desc(s->link_desc, sizeof(s->link_desc), s->link_gen, s->link_lanes);
		if (s->link_max_gen && s->link_max_lanes &&
		    (s->link_max_gen != s->link_gen || s->link_max_lanes != s->link_lanes))
			fmtf(max, sizeof(max), ", max %u.0 x%u", s->link_max_gen, s->link_max_lanes);
		strncat(s->link_desc, max, sizeof(s->link_desc) - strlen(s->link_desc) - 1);
	} else if (s->pcie_gen && s->pcie_lanes) {
		s->link_Bps = sr_pcie_link_Bps(s->pcie_gen, s->pcie_lanes);
		snprintf(s->link_desc, sizeof(s->link_desc), "PCIe %u.0 x%u (spec)", s->pcie_gen, s->pcie_lanes);
	}
	if (s->link_Bps > 0 && (s->seq_read_Bps > s->link_Bps || s->seq_write_Bps > s->link_Bps)) {
		char a[32], b[32];
		int rd = s->seq_read_Bps >= s->seq_write_Bps;

		s->spec_exceeds_link = 1;
		fmt_gbs(a, sizeof(a), rd ? s->seq_read_Bps : s->seq_write_Bps);
		fmt_gbs(b, sizeof(b), s->link_Bps);
		snprintf(s->warning, sizeof(s->warning),
			 "spec sequential %s %s exceeds the %s link ceiling %s: it cannot be reached here",
			 rd ? "read" : "write", a, s->link_desc, b);
	}

	sr_devspec_key(s->disk, s->model, s->serial, key, sizeof(key));
	if (s->disk[0] || s->model[0])
		ret = load_cal(s, key, e);
out:
	free(d);
	free(db.sec);
	return ret;
}

void sr_devspec_pcts(const struct sr_devspec *s, double read_Bps, double write_Bps, double read_iops,
		     struct sr_devspec_pct *p)
{
	double dir = read_Bps > write_Bps ? read_Bps : write_Bps;

	p->spec_read = s->seq_read_Bps > 0 ? 100.0 * read_Bps / s->seq_read_Bps : -1;
	p->spec_write = s->seq_write_Bps > 0 ? 100.0 * write_Bps / s->seq_write_Bps : -1;
	p->spec_iops = s->rand_read_iops > 0 ? 100.0 * read_iops / s->rand_read_iops : -1;
	p->link = s->link_Bps > 0 ? 100.0 * dir / s->link_Bps : -1;
	p->cal_read = s->cal_seq_read_Bps > 0 ? 100.0 * read_Bps / s->cal_seq_read_Bps : -1;
	p->cal_iops = s->cal_rand_read_iops > 0 ? 100.0 * read_iops / s->cal_rand_read_iops : -1;
}

void sr_devspec_line(const struct sr_devspec *s, double read_Bps, double write_Bps, char *buf, size_t n)
{
	struct sr_devspec_pct p;
	char g[32];
	size_t len;
	int any = 0;

	sr_devspec_pcts(s, read_Bps, write_Bps, 0, &p);
	snprintf(buf, n, "%s%s%s%s:", s->disk[0] ? s->disk : "device", s->model[0] ? " (" : "", s->model,
		 s->model[0] ? ")" : "");
	len = strlen(buf);
	if (p.spec_read >= 0 && read_Bps > 0 && len < n) {
		fmt_gbs(g, sizeof(g), s->seq_read_Bps);
		len += (size_t)snprintf(buf + len, n - len, " %.0f%% of spec read %s,", p.spec_read, g);
		any = 1;
	}
	if (p.spec_write >= 0 && write_Bps > 0 && len < n) {
		fmt_gbs(g, sizeof(g), s->seq_write_Bps);
		len += (size_t)snprintf(buf + len, n - len, " %.0f%% of spec write %s,", p.spec_write, g);
		any = 1;
	}
	if (p.link >= 0 && len < n) {
		fmt_gbs(g, sizeof(g), s->link_Bps);
		len += (size_t)snprintf(buf + len, n - len, " %.0f%% of link %s %s,", p.link, s->link_desc, g);
		any = 1;
	}
	if (p.cal_read >= 0 && read_Bps > 0 && len < n) {
		fmt_gbs(g, sizeof(g), s->cal_seq_read_Bps);
		len += (size_t)snprintf(buf + len, n - len, " %.0f%% of calibrated %s,", p.cal_read, g);
		any = 1;
	}
	if (!any && len < n)
		len += (size_t)snprintf(buf + len, n - len, " no spec, link or calibration known,");
	if (len > 0 && len <= n && buf[len - 1] == ',')
		buf[len - 1] = 0;
}
