#!/bin/bash
# GGUF against an independent implementation, npm's @huggingface/gguf:
#  1. it parses a GGUF our writer (synth/gguf_write.c) wrote, and its view
#     (version, counts, every kv with its type and value, every tensor's
#     name, type, shape and offset, the data offset) must equal ours;
#  2. its own writer re-serialises the metadata (buildGgufHeader, with a
#     renamed model and two added kvs) in front of our tensor infos and
#     data, and our reader must see what it sees in that file.
# The package is installed once into ${XDG_CACHE_HOME:-~/.cache}/ssdreplay/npm
# (reruns work offline); SKIP (77) when node/npm or the registry is absent.
# The writer and the JSON dump are test_gguf's tool modes (SR_GGUF_OUT,
# SR_GGUF_DUMP), built next to the binary.
source "$SR_TESTLIB"

PKG_NAME=@huggingface/gguf
PKG_VERSION=0.4.6
command -v node >/dev/null || skip "no node"
TOOL=$(dirname "$SSDREPLAY")/tests/test_gguf
[ -x "$TOOL" ] || skip "no $TOOL (built with the unit tests)"

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ssdreplay/npm
MOD=$CACHE/node_modules/$PKG_NAME
installed() { [ -f "$MOD/package.json" ] && node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' "$MOD/package.json" "$PKG_VERSION"; }
if ! installed; then
	command -v npm >/dev/null || skip "no npm to install $PKG_NAME"
	mkdir -p "$CACHE" || skip "cannot create $CACHE"
	timeout 180 npm install --prefix "$CACHE" --prefer-offline --no-audit --no-fund \
		"$PKG_NAME@$PKG_VERSION" >"$T/npm.log" 2>&1 || { cat "$T/npm.log" >&2; skip "cannot install $PKG_NAME@$PKG_VERSION (registry unreachable?)"; }
	installed || fail "$PKG_NAME@$PKG_VERSION did not install into $CACHE"
fi
export GGUF_PKG=$MOD

# cmp.js FILE SR_JSON: @huggingface/gguf's view of FILE against ours.
cat >"$T/cmp.js" <<'EOF'
const fs = require("fs");
const { gguf, GGUFValueType: VT } = require(process.env.GGUF_PKG);
const [file, srJson] = process.argv.slice(2);
const sr = JSON.parse(fs.readFileSync(srJson, "utf8"));
const bad = [];
const want = (ok, what) => { if (!ok) bad.push(what); };
const same = (type, hf, ours) =>
	type === VT.FLOAT32 || type === VT.FLOAT64 ? hf === ours :
	type === VT.BOOL || type === VT.STRING ? hf === ours : String(hf) === ours;
(async () => {
	const hf = await gguf(file, { allowLocalFile: true, typedMetadata: true });
	const md = hf.typedMetadata;
	want(hf.metadata.version === sr.version, `version ${hf.metadata.version} vs ${sr.version}`);
	want(hf.littleEndian, "little endian");
	want(String(hf.tensorDataOffset) === sr.data_off, `data offset ${hf.tensorDataOffset} vs ${sr.data_off}`);
	want(Number(hf.metadata.kv_count) === sr.kvs.length, `kv count ${hf.metadata.kv_count} vs ${sr.kvs.length}`);
	want(Number(hf.metadata.tensor_count) === sr.tensors.length, `tensor count ${hf.metadata.tensor_count} vs ${sr.tensors.length}`);
	const keys = Object.keys(md).filter((k) => !["version", "tensor_count", "kv_count"].includes(k));
	want(JSON.stringify(keys) === JSON.stringify(sr.kvs.map((kv) => kv.key)), "kv keys or their order differ");
	for (const kv of sr.kvs) {
		const h = md[kv.key];
		if (!h) { bad.push(`kv ${kv.key} missing`); continue; }
		want(h.type === kv.type, `kv ${kv.key}: type ${h.type} vs ${kv.type}`);
		if (kv.type === VT.ARRAY) {
			want(h.subType === kv.arr_type, `kv ${kv.key}: element type ${h.subType} vs ${kv.arr_type}`);
			want(h.value.length === kv.value.length, `kv ${kv.key}: ${h.value.length} vs ${kv.value.length} elements`);
			kv.value.forEach((v, i) => want(same(kv.arr_type, h.value[i], v), `kv ${kv.key}[${i}]: ${h.value[i]} vs ${v}`));
		} else {
			want(same(kv.type, h.value, kv.value), `kv ${kv.key}: ${h.value} vs ${kv.value}`);
		}
	}
	hf.tensorInfos.forEach((t, i) => {
		const o = sr.tensors[i] || {};
		want(t.name === o.name, `tensor ${i}: name ${t.name} vs ${o.name}`);
		want(t.dtype === o.type, `tensor ${t.name}: type ${t.dtype} vs ${o.type}`);
		want(JSON.stringify(t.shape.map(String)) === JSON.stringify(o.dims), `tensor ${t.name}: shape ${t.shape} vs ${o.dims}`);
		want(String(t.offset) === o.offset, `tensor ${t.name}: offset ${t.offset} vs ${o.offset}`);
	});
	if (bad.length) {
		console.error(bad.slice(0, 20).join("\n"));
		process.exit(1);
	}
	console.log(`agree: ${sr.kvs.length} kvs, ${sr.tensors.length} tensors, data at ${sr.data_off}`);
})().catch((e) => { console.error(e); process.exit(1); });
EOF

# rewrite.js IN OUT: IN's metadata through @huggingface/gguf's writer, renamed
# and with two kvs more, then IN's tensor infos and data.
cat >"$T/rewrite.js" <<'EOF'
const fs = require("fs");
const { gguf, buildGgufHeader, GGUFValueType: VT } = require(process.env.GGUF_PKG);
const [src, dst] = process.argv.slice(2);
(async () => {
	const hf = await gguf(src, { allowLocalFile: true, typedMetadata: true });
	const md = hf.typedMetadata;
	// Its writer takes element type 0 (u8) for a missing one ("if (!subType)"
	// in writeMetadataValue, 0.4.6) and throws: drop the u8 arrays.
	const dropped = Object.keys(md).filter((k) => md[k].type === VT.ARRAY && md[k].subType === VT.UINT8);
	dropped.forEach((k) => delete md[k]);
	fs.writeFileSync(dst + ".dropped", String(dropped.length));
	md["general.name"] = { value: "rewritten by @huggingface/gguf", type: VT.STRING };
	md["test.added"] = { value: "ünïcödé ".repeat(20), type: VT.STRING };
	md["test.added_u32s"] = { value: [1, 2, 4294967295], type: VT.ARRAY, subType: VT.UINT32 };
	md.kv_count = { value: BigInt(Object.keys(md).length - 3), type: VT.UINT64 };
	const bytes = fs.readFileSync(src);
	const alignment = Number(hf.metadata["general.alignment"] ?? 32);
	const header = await buildGgufHeader(new Blob([bytes]), md, {
		littleEndian: true, tensorInfoByteRange: hf.tensorInfoByteRange, alignment,
	});
	const head = Buffer.from(await header.arrayBuffer());
	fs.writeFileSync(dst, Buffer.concat([head, bytes.subarray(Number(hf.tensorDataOffset))]));
	console.log(`rewrote: header ${Number(hf.tensorDataOffset)} -> ${head.length} bytes`);
})().catch((e) => { console.error(e); process.exit(1); });
EOF

SR_GGUF_OUT=$T/a.gguf "$TOOL" || fail "test_gguf could not write $T/a.gguf"
SR_GGUF_DUMP=$T/a.gguf "$TOOL" >"$T/a.json" || fail "our reader rejected our own file"
node "$T/cmp.js" "$T/a.gguf" "$T/a.json" || fail "@huggingface/gguf and ssdreplay disagree on our writer's file"
ok "our writer's file: @huggingface/gguf and our reader agree"

# Spot checks that do not go through either comparison.
[ "$(json "$T/a.json" 'len(j["tensors"])')" = 36 ] || fail "expected 36 tensors"
[ "$(json "$T/a.json" '[k["value"] for k in j["kvs"] if k["key"]=="llama.block_count"][0]')" = 3 ] || fail "block_count"
[ "$(json "$T/a.json" 'j["n_expert"]')" = 4 ] || fail "n_expert"

node "$T/rewrite.js" "$T/a.gguf" "$T/b.gguf" || fail "@huggingface/gguf could not rewrite the header"
SR_GGUF_DUMP=$T/b.gguf "$TOOL" >"$T/b.json" || fail "our reader rejected @huggingface/gguf's header"
node "$T/cmp.js" "$T/b.gguf" "$T/b.json" || fail "@huggingface/gguf and ssdreplay disagree on its rewritten file"
[ "$(json "$T/b.json" 'len(j["kvs"]) - len(json.load(open(sys.argv[1].replace("b.json","a.json")))["kvs"])')" = \
	"$((2 - $(cat "$T/b.gguf.dropped")))" ] || fail "expected two kvs more (less the dropped ones) after the rewrite"
[ "$(json "$T/b.json" '[k["value"] for k in j["kvs"] if k["key"]=="test.added"][0].split()')" = "$(python3 -c 'print(["ünïcödé"] * 20)')" ] ||
	fail "test.added"
[ "$(json "$T/b.json" 'j["data_off"]')" != "$(json "$T/a.json" 'j["data_off"]')" ] || fail "the rewrite should move the data"

[ "$(json "$T/b.json" '[t["offset"] for t in j["tensors"]] == [t["offset"] for t in json.load(open(sys.argv[1].replace("b.json","a.json")))["tensors"]]')" = True ] ||
	fail "tensor offsets changed in the rewrite"
ok "@huggingface/gguf's header: our reader agrees"

# A truncated copy is bad input: exit 2 and one line naming file@offset.
head -c 6000 "$T/a.gguf" >"$T/c.gguf"
expect_exit 2 'c.gguf@[0-9]+: .*(truncated|past the end|left)' env SR_GGUF_DUMP="$T/c.gguf" "$TOOL"
ok "truncated file rejected"
