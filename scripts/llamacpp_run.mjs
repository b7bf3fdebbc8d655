// node scripts/llamacpp_run.mjs MODEL.gguf [--tokens N] [--threads M] [--seed S]
//   [--prompt TEXT] [--ctx N] [--no-prefetch] [--mlock] [--marks FILE]
//
// Load a GGUF with node-llama-cpp's prebuilt CPU llama.cpp (mmap on, no GPU,
// never builds, never downloads) and generate N tokens with a fixed sampling
// seed on M threads: a real llama.cpp run whose file I/O `ssdreplay record`
// can capture. The generated text of a random-weight model is garbage; the
// reads are real. The package is found in $NLC_DIR/node_modules (default
// ${XDG_CACHE_HOME:-~/.cache}/ssdreplay/nlc); it is an optional test tool,
// never a build dependency.
//
// --marks FILE appends "phase CLOCK_MONOTONIC_NS READ_BYTES MAJFLT PGACTIVATE
// PGDEACTIVATE WS_REFAULT WS_ACTIVATE" lines (load-start, load-done,
// decode-start, token N, decode-done) so a capture can be cut into load and
// decode, since tracefs uses the same clock (trace_clock mono). The last four
// are the host's LRU counters from /proc/vmstat (every cgroup's pages:
// activated, deactivated, file refaults, file refaults activated at once),
// which a memory cgroup's reclaim moves; reading them does not flush the
// cgroups' statistics as reading memory.stat would, so they do not change
// what reclaim decides. The kernel's pgscan/pgsteal leave out cgroup reclaim.
// Exit 0 after the tokens; 3 when node-llama-cpp cannot be imported (the
// caller treats that as "not installed"); 1 on any other failure.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

function usage(msg) {
	if (msg)
		console.error(`llamacpp_run: ${msg}`);
	console.error("usage: node llamacpp_run.mjs MODEL.gguf [--tokens N] [--threads M] [--seed S] [--prompt TEXT] [--ctx N] [--no-prefetch] [--mlock] [--marks FILE] [--flush-memcg]");
	process.exit(2);
}

const argv = process.argv.slice(2);
const opt = { tokens: 8, threads: 1, seed: 1, prompt: "Once upon a time", ctx: 256, prefetch: true, mlock: false, marks: null, flush: false };
let model = null;
for (let i = 0; i < argv.length; i++) {
	const a = argv[i];
	const val = () => {
		if (i + 1 >= argv.length)
			usage(`${a}: expected a value`);
		return argv[++i];
	};
	const int = (name, lo) => {
		const v = val();
		if (!/^[0-9]+$/.test(v) || Number(v) < lo)
			usage(`--${name}: expected an integer >= ${lo}, found '${v}'`);
		return Number(v);
	};
	if (a === "--tokens") opt.tokens = int("tokens", 1);
	else if (a === "--threads") opt.threads = int("threads", 1);
	else if (a === "--seed") opt.seed = int("seed", 0);
	else if (a === "--ctx") opt.ctx = int("ctx", 16);
	else if (a === "--prompt") opt.prompt = val();
	else if (a === "--marks") opt.marks = val();
	else if (a === "--no-prefetch") opt.prefetch = false;
	else if (a === "--mlock") opt.mlock = true;
	else if (a === "--flush-memcg") opt.flush = true;
	else if (a.startsWith("--")) usage(`unknown option ${a}`);
	else if (!model) model = a;
	else usage(`unexpected argument '${a}'`);
}
if (!model)
	usage("expected MODEL.gguf");

// each mark ends with the process's read_bytes (/proc/self/io: block reads
// this process's faults and readahead submitted), so a caller gets bytes per
// token without a trace
const readBytes = () => {
	try {
		return (fs.readFileSync("/proc/self/io", "utf8").match(/^read_bytes:\s+(\d+)/m) || [0, 0])[1];
	} catch {
		return 0;
	}
};
// and then its major faults (/proc/self/stat field 12, all threads): the
// faults that waited for a read, which the page-cache cost model charges
const majFaults = () => {
	try {
		return fs.readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /s, "").split(" ")[9] || 0;
	} catch {
		return 0;
	}
};
const VMSTAT = ["pgactivate", "pgdeactivate", "workingset_refault_file", "workingset_activate_file"];
const vmstat = () => {
	const v = new Map();
	try {
		for (const line of fs.readFileSync("/proc/vmstat", "utf8").split("\n")) {
			const [k, n] = line.split(" ");
			v.set(k, Number(n));
		}
	} catch {
		/* no /proc/vmstat: zeros */
	}
	return VMSTAT.map((k) => v.get(k) || 0).join(" ");
};
// --flush-memcg: the memory.stat of this process's memory cgroup (v1 or v2),
// read at every mark: each read flushes the cgroup's statistics, which
// reclaim otherwise sees as of the kernel's last periodic flush (every 2 s)
const memcgStat = (() => {
	let cg = null;
	try {
		for (const line of fs.readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
			const f = line.split(":");
			if (f.length >= 3 && f[1].split(",").includes("memory"))
				cg = `/sys/fs/cgroup/memory${f.slice(2).join(":")}/memory.stat`;
			else if (f.length >= 3 && f[0] === "0" && f[1] === "" && !cg)
				cg = `/sys/fs/cgroup${f.slice(2).join(":")}/memory.stat`;
		}
	} catch {
		/* no /proc/self/cgroup */
	}
	return cg;
})();
let flushes = 0;
const mark = (what) => {
	if (opt.marks)
		fs.appendFileSync(opt.marks, `${what} ${process.hrtime.bigint()} ${readBytes()} ${majFaults()} ${vmstat()}\n`);
	if (opt.flush && memcgStat) {
		try {
			fs.readFileSync(memcgStat);
			flushes++;
		} catch {
			/* counted: flushes stays short of the marks */
		}
	}
};

// a /proc/self/status figure in kB (RssAnon, RssFile)
function statusKb(key) {
	const status = fs.readFileSync("/proc/self/status", "utf8");
	return Number((status.match(new RegExp(`^${key}:\\s+(\\d+)`, "m")) || [0, 0])[1]);
}

// "map START END PGOFF" (hex, as /proc/self/maps gives them) for each
// mapping of the model file, so user page-fault addresses can be turned into
// file offsets
function mapsOfModel() {
	if (!opt.marks)
		return;
	const want = fs.realpathSync(model);
	for (const line of fs.readFileSync("/proc/self/maps", "utf8").split("\n")) {
		const f = line.trim().split(/\s+/);
		if (f.length >= 6 && f.slice(5).join(" ") === want) {
			const [start, end] = f[0].split("-");
			fs.appendFileSync(opt.marks, `map ${start} ${end} ${f[2]}\n`);
		}
	}
}

// the files mapped besides the model (node, its libraries, llama.cpp's):
// code whose pages a memory limit would evict and read again every token,
// counted in the run's read bytes as if they were the model's; the
// validation reads them in outside the limit first, so they stay charged
// elsewhere and out of its reclaim
function otherMappedFiles() {
	const want = fs.realpathSync(model), seen = new Set();
	for (const line of fs.readFileSync("/proc/self/maps", "utf8").split("\n")) {
		const f = line.trim().split(/\s+/);
		const p = f.slice(5).join(" ");
		if (f.length >= 6 && p.startsWith("/") && p !== want && !p.endsWith(" (deleted)") && f[4] !== "0")
			seen.add(p);
	}
	return [...seen].sort();
}

const dir = process.env.NLC_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "ssdreplay", "nlc");
let nlc;
try {
	nlc = await import(pathToFileURL(path.join(dir, "node_modules", "node-llama-cpp", "dist", "index.js")).href);
} catch (err) {
	console.error(`llamacpp_run: cannot import node-llama-cpp from ${dir}: ${err.message}`);
	process.exit(3);
}

try {
	const llama = await nlc.getLlama({ gpu: false, build: "never", skipDownload: true, maxThreads: opt.threads,
					   logLevel: nlc.LlamaLogLevel.error, progressLogs: false });
	mark("load-start");
	const anon0 = statusKb("RssAnon");
	const m = await llama.loadModel({ modelPath: path.resolve(model), gpuLayers: 0, useMmap: true,
					  useMlock: opt.mlock,
					  // llama.cpp prefaults the whole mapping at load unless told not to;
					  // node-llama-cpp 3.22 exposes no prefetch switch, lazyMode is the
					  // nearest (tensors read on demand)
					  ...(opt.prefetch ? {} : { lazyMode: true }) });
	// what loading the model took in anonymous memory, before the context's
	// KV cache and compute buffers: weights llama.cpp copied out of the
	// mapping into a CPU extra buffer (AMX takes F16 and Q4_0/Q4_1/Q8_0/
	// Q4_K/Q5_K/Q6_K/IQ4_XS matrices, the repack buffer Q4_0/Q4_K/IQ4_NL on
	// AVX2); those are never read from the file again
	const weightsAnon = Math.max(0, statusKb("RssAnon") - anon0);
	const ctx = await m.createContext({ contextSize: opt.ctx, threads: { ideal: opt.threads, min: opt.threads },
					    batchSize: Math.min(opt.ctx, 64) });
	mark("load-done");
	mapsOfModel();
	const seq = ctx.getSequence();
	const input = m.tokenize(opt.prompt);
	let n = 0;
	const out = [];
	mark("decode-start");
	for await (const tok of seq.evaluate(input, { temperature: 0.8, seed: opt.seed })) {
		out.push(tok);
		mark(`token ${n}`);
		if (++n >= opt.tokens)
			break;
	}
	mark("decode-done");
	console.log(JSON.stringify({ model, prompt_tokens: input.length, tokens: n, threads: ctx.currentThreads,
				     mmap: m.useMmap, rss_anon_kb: statusKb("RssAnon"), rss_file_kb: statusKb("RssFile"),
				     weights_anon_kb: weightsAnon, memcg_flushes: flushes, mapped_files: otherMappedFiles(),
				     text: m.detokenize(out) }));
	await ctx.dispose();
	await m.dispose();
	await llama.dispose();
} catch (err) {
	console.error(`llamacpp_run: ${model}: ${err.message || err}`);
	process.exit(1);
}
