#!/usr/bin/env bash
# End-to-end tests of the tsne command-line program.
#
#   examples/cli/cli_test.sh path/to/tsne path/to/examples/data
#
# Success cases check the output's shape; failure cases check the exit status (1 bad input file,
# 2 bad usage, 3 unwritable output, 4 diverged run), exactly one stderr line starting with
# "tsne: error:", and that no output file (nor a leftover temporary file) was created. Needs bash, coreutils, awk and python3 (standard
# library only: the .npy inputs are written with struct, no numpy needed). Takes a few seconds.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 TSNE_BINARY DATA_DIR" >&2
    exit 2
fi
TSNE=$1
DATA=$(cd "$2" && pwd)
if [ ! -x "$TSNE" ]; then echo "$0: $TSNE is not an executable" >&2; exit 2; fi
if [ ! -f "$DATA/digits.csv" ]; then echo "$0: $DATA/digits.csv not found" >&2; exit 2; fi
PY=${PYTHON:-python3}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tsne_cli_test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAST=(--iterations 50 --exaggeration-iterations 20)

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

# ---- inputs -------------------------------------------------------------------------------------
head -n 150 "$DATA/digits.csv" >"$WORK/small.csv"
head -n 150 "$DATA/digits_labels.csv" >"$WORK/small_labels.txt"
head -n 50 "$DATA/digits.csv" >"$WORK/rows50.csv"
: >"$WORK/empty.csv"
printf '1,2,3\n4,5,6\n7,8\n10,11,12\n' >"$WORK/ragged.csv"
printf '1,2,3\n4,nan,6\n7,8,9\n' >"$WORK/nan.csv"
printf '1,2,3\n4,5,inf\n7,8,9\n' >"$WORK/inf.csv"
printf '1,2,3\n4,five,6\n7,8,9\n' >"$WORK/text.csv"
printf 'a,b,c\n1,2,3\n4,5,6\n' >"$WORK/header.csv"
{ printf 'f%s,' $(seq 1 63); printf 'f64\n'; cat "$WORK/small.csv"; } >"$WORK/header150.csv"
{ printf 'a,b\n'; cat "$WORK/small.csv"; } >"$WORK/header_short.csv"
{ printf 'label\n'; cat "$WORK/small_labels.txt"; } >"$WORK/labels_header.csv"
printf '1\n2\n' >"$WORK/two_labels.txt"

# .npy inputs, all written by one python3 call. Each spec: FILE DTYPE(f4|f8|i4) ROWS COLS [flags],
# flags: v2 (format 2.0), fortran, lying (huge shape in the header), truncated (half the data).
# Values: sin(i*cols+j)*10 + (i%3)*5.
(cd "$WORK" && "$PY" - \
    "f32.npy f4 120 6" \
    "f64.npy f8 100 5" \
    "f32v2.npy f4 80 4 v2" \
    "truncated.npy f4 120 6 truncated" \
    "fortran.npy f8 60 4 fortran" \
    "int.npy i4 60 4" \
    "lying.npy f4 60 4 lying") <<'EOF'
import math, struct, sys
for spec in sys.argv[1:]:
    path, dtype, rows, cols, *opts = spec.split()
    rows, cols = int(rows), int(cols)
    version = 2 if "v2" in opts else 1
    fortran = "True" if "fortran" in opts else "False"
    shape = "(4000000000000, 4000000000000)" if "lying" in opts else "(%d, %d)" % (rows, cols)
    header = "{'descr': '<%s', 'fortran_order': %s, 'shape': %s, }" % (dtype, fortran, shape)
    total = (10 if version == 1 else 12) + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    pre = b"\x93NUMPY" + bytes([version, 0])
    pre += struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    fmt = {"f4": "<f", "f8": "<d", "i4": "<i"}[dtype]
    data = bytearray()
    for i in range(rows):
        for j in range(cols):
            v = math.sin(i * cols + j) * 10 + (i % 3) * 5
            data += struct.pack(fmt, int(v) if dtype == "i4" else v)
    if "truncated" in opts:
        data = data[: len(data) // 2]
    with open(path, "wb") as f:
        f.write(pre + header.encode("latin1") + bytes(data))
EOF

# Precomputed inputs from the first 60 digits (python3 brute force, standard library only):
# dist.csv / dist.npy (60 x 60 Euclidean distances), knn.csv / knn.npy (60 x 2*20: 20 neighbour
# indices, then their distances), aff.csv (COO triplets i,j,0.1 over each point's 10 nearest), and
# malformed variants.
(cd "$WORK" && "$PY" - small.csv) <<'EOF'
import math, struct, sys
rows = [[float(v) for v in line.split(",")] for line in open(sys.argv[1]).read().split("\n")[:60]]
n = len(rows)
D = [[math.sqrt(sum((a - b) ** 2 for a, b in zip(rows[i], rows[j]))) for j in range(n)] for i in range(n)]
def write_csv(path, table):
    with open(path, "w") as f:
        for r in table:
            f.write(",".join(repr(v) if isinstance(v, float) else str(v) for v in r) + "\n")
def write_npy(path, table):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (len(table), len(table[0]))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        for r in table:
            f.write(struct.pack("<%dd" % len(r), *r))
write_csv("dist.csv", D)
write_npy("dist.npy", D)
write_csv("dist_nonsquare.csv", [r[:-1] for r in D])
neighbours = [sorted((j for j in range(n) if j != i), key=lambda j: (D[i][j], j)) for i in range(n)]
knn = [neighbours[i][:20] + [D[i][j] for j in neighbours[i][:20]] for i in range(n)]
write_csv("knn.csv", knn)
write_npy("knn.npy", [[float(v) for v in r] for r in knn])
def variant(path, row, col, value):
    t = [list(r) for r in knn]
    t[row][col] = value
    write_csv(path, t)
variant("knn_fraction.csv", 3, 2, 4.5)       # index 4.5 is not an integer
variant("knn_range.csv", 5, 0, 60)           # index 60 with N = 60
variant("knn_negative_index.csv", 7, 1, -1)  # index -1
variant("knn_negative_dist.csv", 9, 25, -0.5)
variant("knn_self.csv", 11, 0, 11)           # point 11 lists itself
write_csv("knn_odd.csv", [r[:-1] for r in knn])
aff = [(i, j, 0.1) for i in range(n) for j in neighbours[i][:10]]
write_csv("aff.csv", aff)
write_csv("aff_two_columns.csv", [(i, j) for i, j, _ in aff])
write_csv("aff_bad_index.csv", aff[:5] + [(2, 3.5, 0.1)] + aff[5:])
write_csv("aff_diagonal.csv", aff[:5] + [(4, 4, 0.1)] + aff[5:])
write_csv("aff_negative.csv", aff[:5] + [(4, 9, -0.1)] + aff[5:])
EOF

# IDX, raw float32 and more .npy inputs from the first 150 digits (python3 standard library).
(cd "$WORK" && "$PY" - "$DATA/digits.csv" "$DATA/digits_labels.csv") <<'EOF'
import gzip, struct, sys
rows = [[float(v) for v in line.split(",")] for line in open(sys.argv[1]).read().split("\n")[:150]]
labels = [int(v) for v in open(sys.argv[2]).read().split()[:150]]
def idx(path, code, dims, payload, opener=open):
    with opener(path, "wb") as f:
        f.write(bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload)
pixels = bytes(min(255, int(v) * 16) for r in rows for v in r)  # 0..16 -> 0..255
idx("images.idx", 0x08, [150, 8, 8], pixels)
idx("images.idx.gz", 0x08, [150, 8, 8], pixels, gzip.open)
idx("labels.idx", 0x08, [150], bytes(labels))
idx("labels.idx.gz", 0x08, [150], bytes(labels), gzip.open)
idx("labels100.idx", 0x08, [100], bytes(labels[:100]))
idx("images_truncated.idx", 0x08, [150, 8, 8], pixels[: len(pixels) - 100])
idx("images_trailing.idx", 0x08, [150, 8, 8], pixels + b"\0\0")
idx("floats_nan.idx", 0x0D, [150, 4], b"".join(struct.pack(">f", float("nan") if i == 77 else i) for i in range(600)))
data = open("images.idx.gz", "rb").read()
open("images_truncated.idx.gz", "wb").write(data[: len(data) // 2])
open("images_corrupt.idx.gz", "wb").write(data[:20] + bytes(b ^ 0x5A for b in data[20:60]) + data[60:])
with open("raw.f32", "wb") as f:
    f.write(b"".join(struct.pack("<f", v) for r in rows for v in r))
with open("raw_nan.f32", "wb") as f:
    f.write(b"".join(struct.pack("<f", float("nan") if (i, j) == (5, 3) else v)
                     for i, r in enumerate(rows) for j, v in enumerate(r)))
def npy(path, descr, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + payload)
npy("u8.npy", "|u1", "(150, 64)", pixels)
npy("labels_i8.npy", "<i8", "(150,)", b"".join(struct.pack("<q", l) for l in labels))
npy("labels_truncated.npy", "<i8", "(150,)", b"".join(struct.pack("<q", l) for l in labels[:120]))
npy("labels_float.npy", "<f8", "(150,)", b"".join(struct.pack("<d", l + 0.5) for l in labels))
EOF

# The same float32 values three ways: mapped.npy (data 64-byte aligned: memory-mapped by the CLI),
# unaligned.npy (data at an odd offset: read into memory, the pre-mmap path) and mapped.csv (each
# value printed with 9 significant digits, which reads back as the same float32). Also a float32
# .npy with a NaN (found by the scan over the mapped data).
(cd "$WORK" && "$PY" - "$DATA/digits.csv") <<'EOF'
import struct, sys
rows = [[float(v) for v in line.split(",")] for line in open(sys.argv[1]).read().split("\n")[:150]]
f32 = [[struct.unpack("<f", struct.pack("<f", v * 0.37 + 0.01 * j))[0] for j, v in enumerate(r)] for r in rows]
def npy(path, table, pad_to, extra=0):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (len(table), len(table[0]))
    header += " " * ((pad_to - (10 + len(header) + 1) % pad_to) % pad_to + extra) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        for r in table:
            f.write(struct.pack("<%df" % len(r), *r))
npy("mapped.npy", f32, 64)
npy("unaligned.npy", f32, 64, 1)
with open("mapped.csv", "w") as f:
    for r in f32:
        f.write(",".join("%.9g" % v for v in r) + "\n")
f32[3][1] = float("nan")
npy("nan32.npy", f32, 64)
EOF

# ---- helpers ------------------------------------------------------------------------------------
# check_csv NAME FILE ROWS COLS: FILE has ROWS lines of COLS finite numbers.
check_csv() {
    local name=$1 file=$2 rows=$3 cols=$4
    if [ ! -f "$file" ]; then bad "$name" "no output file $file"; return 1; fi
    local lines
    lines=$(wc -l <"$file")
    if [ "$lines" -ne "$rows" ]; then bad "$name" "$lines lines, expected $rows"; return 1; fi
    if ! awk -F, -v c="$cols" '
        NF != c { exit 1 }
        { for (i = 1; i <= NF; i++) if ($i !~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/) exit 1 }' "$file"; then
        bad "$name" "lines are not $cols comma-separated numbers: $(head -n 1 "$file")"
        return 1
    fi
    return 0
}

# expect_success NAME ROWS COLS ARGS...: exit 0 and OUT.csv of ROWS x COLS. Output goes to $WORK/out.csv.
expect_success() {
    local name=$1 rows=$2 cols=$3
    shift 3
    rm -f "$WORK/out.csv"
    if ! "$TSNE" "$@" --output "$WORK/out.csv" --quiet "${FAST[@]}" 2>"$WORK/stderr"; then
        bad "$name" "exit status $?: $(head -c 300 "$WORK/stderr")"
        return
    fi
    if [ -s "$WORK/stderr" ]; then bad "$name" "--quiet printed: $(head -c 300 "$WORK/stderr")"; return; fi
    check_csv "$name" "$WORK/out.csv" "$rows" "$cols" && ok "$name"
}

# expect_failure NAME STATUS ARGS...: exit STATUS, one stderr line "tsne: error: ...", no outputs.
# With WANT=REGEX set (WANT=... expect_failure ...), the message must also match REGEX.
expect_failure() {
    local name=$1 want=$2
    shift 2
    local dir="$WORK/fail"
    rm -rf "$dir"
    mkdir -p "$dir"
    timeout -k 5 120 "$TSNE" "$@" >"$dir/stdout" 2>"$WORK/stderr"  # a hang (e.g. a FIFO opened twice) fails
    local status=$?
    local n_lines
    n_lines=$(wc -l <"$WORK/stderr")
    local leftovers
    leftovers=$(find "$dir" -mindepth 1 ! -name stdout | head -n 3)
    if [ "$status" -eq 0 ]; then
        bad "$name" "exit status 0, expected $want"
    elif [ "$status" -ne "$want" ]; then
        bad "$name" "exit status $status, expected $want ($(head -c 300 "$WORK/stderr"))"
    elif [ "$n_lines" -ne 1 ]; then
        bad "$name" "$n_lines stderr lines, expected 1: $(head -c 300 "$WORK/stderr")"
    elif ! grep -q '^tsne: error: ' "$WORK/stderr"; then
        bad "$name" "stderr does not start with 'tsne: error:': $(head -c 300 "$WORK/stderr")"
    elif [ -n "${WANT:-}" ] && ! grep -q -- "$WANT" "$WORK/stderr"; then
        bad "$name" "the message does not say '$WANT': $(head -c 300 "$WORK/stderr")"
    elif [ -n "$leftovers" ]; then
        bad "$name" "left files behind: $leftovers"
    elif [ -s "$dir/stdout" ]; then
        bad "$name" "printed on stdout: $(head -c 200 "$dir/stdout")"
    else
        ok "$name ($(cut -c 14- "$WORK/stderr" | head -c 110))"
    fi
}
# run_check NAME TEST ARGS...: tsne ARGS must succeed (stderr in $WORK/stderr), then the shell test
# TEST (a string, evaluated) must pass.
run_check() {
    local name=$1 test=$2
    shift 2
    if "$TSNE" "$@" 2>"$WORK/stderr" && eval "$test"; then
        ok "$name"
    else
        bad "$name" "$(head -c 300 "$WORK/stderr")"
    fi
}
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$(wc -c <"$1")" -gt 5000 ]; }
OUT="$WORK/fail/out.csv"

# ---- success cases ------------------------------------------------------------------------------
expect_success "csv in, csv out" 150 2 --input "$WORK/small.csv"
expect_success "npy float32 input" 120 2 --input "$WORK/f32.npy"
expect_success "npy float64 input" 100 2 --input "$WORK/f64.npy"
expect_success "npy format 2.0 input" 80 2 --input "$WORK/f32v2.npy"
expect_success "--dims 3" 150 3 --input "$WORK/small.csv" --dims 3
expect_success "--dims 1" 150 1 --input "$WORK/small.csv" --dims=1
expect_success "--init random, fixed learning rate" 120 2 --input "$WORK/f32.npy" --init random --learning-rate 50
expect_success "all t-SNE options" 150 2 --input "$WORK/small.csv" --perplexity 10 --exaggeration 8 --seed 7 \
    --threads 1 --method exact --learning-rate auto

expect_success "--method bh --theta 0.3" 150 2 --input "$WORK/small.csv" --method bh --theta 0.3
expect_success "--method bh in 1-D" 150 1 --input "$WORK/small.csv" --method bh --dims 1
expect_success "--method barnes-hut in 3-D" 150 3 --input "$WORK/small.csv" --method barnes-hut --dims 3
# Many duplicate rows (every row repeated 6 times) through Barnes-Hut: finite output.
for k in 1 2 3 4 5 6; do head -n 50 "$DATA/digits.csv"; done >"$WORK/dup300.csv"
expect_success "duplicate rows, --method bh" 300 2 --input "$WORK/dup300.csv" --method bh --perplexity 10
expect_success "--method fft in 2-D" 150 2 --input "$WORK/small.csv" --method fft
expect_success "--dof 0.5 with --method bh" 150 2 --input "$WORK/small.csv" --method bh --dof 0.5
expect_success "--dof 2 with --method fft in 1-D" 150 1 --input "$WORK/small.csv" --dims 1 --method fft --dof 2
expect_success "--late-exaggeration 3 after 30 of the 50 iterations" 150 2 --input "$WORK/small.csv" \
    --late-exaggeration 3 --late-exaggeration-start 30
expect_success "--method fft in 1-D, 4 nodes, box width 0.25" 150 1 --input "$WORK/small.csv" --dims 1 --method fft \
    --fft-nodes 4 --fft-box-width 0.25
expect_success "duplicate rows, --method fft" 300 2 --input "$WORK/dup300.csv" --method fft --perplexity 10

head -n 300 "$DATA/digits.csv" >"$WORK/rows300.csv"
expect_success "--knn approx (300 rows)" 300 2 --input "$WORK/rows300.csv" --knn approx
expect_success "--knn exact" 150 2 --input "$WORK/small.csv" --knn exact
expect_success "--knn auto, --metric cosine" 150 2 --input "$WORK/small.csv" --knn auto --metric cosine
expect_success "--knn approx --metric cosine --dims 3" 300 3 --input "$WORK/rows300.csv" --knn approx --metric=cosine \
    --dims 3
expect_success "--metric cosine, float64 .npy" 100 2 --input "$WORK/f64.npy" --metric cosine
expect_success "--affinity multiscale" 150 2 --input "$WORK/small.csv" --affinity multiscale --perplexities 5,30
expect_success "--affinity uniform" 150 2 --input "$WORK/small.csv" --affinity uniform --uniform-k 10
expect_success "--distances CSV" 60 2 --distances "$WORK/dist.csv" --perplexity 10
expect_success "--distances .npy, --dims 1, --init random" 60 1 --distances "$WORK/dist.npy" --perplexity 10 --dims 1 \
    --init random
expect_success "--distances with --affinity uniform" 60 2 --distances "$WORK/dist.csv" --affinity uniform --uniform-k 8
expect_success "--knn-graph CSV (python brute force)" 60 2 --knn-graph "$WORK/knn.csv" --perplexity 5
expect_success "--knn-graph .npy, --dims 3" 60 3 --knn-graph "$WORK/knn.npy" --perplexity 5 --dims 3
expect_success "--knn-graph with --affinity multiscale" 60 2 --knn-graph "$WORK/knn.csv" --affinity multiscale \
    --perplexities 2,6
expect_success "--affinities" 60 2 --affinities "$WORK/aff.csv"
expect_success "--affinities --points (2 isolated points)" 62 2 --affinities "$WORK/aff.csv" --points 62
expect_success "--affinities --no-symmetrize --no-normalize" 60 2 --affinities "$WORK/aff.csv" --no-symmetrize \
    --no-normalize

# The graph an exact run used (--save-knn) fed back with --knn-graph gives the same embedding
# (random init on both sides: PCA needs the data), in CSV and in .npy. The saved graph has
# 3 x perplexity = 90 neighbours per point (180 columns).
for ext in csv npy; do
    name="--save-knn .$ext then --knn-graph: identical output"
    rm -f "$WORK/direct.csv" "$WORK/via_graph.csv" "$WORK/graph.$ext"
    if "$TSNE" --input "$WORK/small.csv" --output "$WORK/direct.csv" --knn exact --init random \
        --save-knn "$WORK/graph.$ext" --quiet "${FAST[@]}" 2>"$WORK/stderr" &&
        "$TSNE" --knn-graph "$WORK/graph.$ext" --output "$WORK/via_graph.csv" --init random --quiet "${FAST[@]}" \
            2>>"$WORK/stderr"; then
        if [ "$ext" = csv ] && [ "$(awk -F, '{ print NF }' "$WORK/graph.csv" | sort -u)" != 180 ]; then
            bad "$name" "the saved graph does not have 180 columns"
        elif check_csv "$name" "$WORK/via_graph.csv" 150 2 && cmp -s "$WORK/direct.csv" "$WORK/via_graph.csv"; then
            ok "$name"
        else
            bad "$name" "outputs differ"
        fi
    else
        bad "$name" "exit status $?: $(head -c 300 "$WORK/stderr")"
    fi
done

# --save-state then --load-state: 200 iterations, saved, then 100 more give the bits of one
# 300-iteration run with the same options (early exaggeration inside the first run; the
# continuation is all normal phase). Repulsion options are given again to the second run;
# --dims, --dof and the method come from the file.
for variant in "small.csv|csv|" "small.csv|npy|--method fft" "small.csv|csv|--method bh --dims 3 --dof 0.7" \
    "f64.npy|npy|--dims 1 --method bh --theta 0.3"; do
    IFS='|' read -r input ext opts <<<"$variant"
    name="--save-state after 200 + --load-state 100 = 300 iterations ($input${opts:+ $opts}, .$ext output)"
    # shellcheck disable=SC2086  # opts: several words
    again=$(echo $opts | sed -e 's/--dims [0-9]//' -e 's/--dof [0-9.]*//' -e 's/--method [a-z]*//')
    rm -f "$WORK/first.$ext" "$WORK/cont.$ext" "$WORK/whole.$ext" "$WORK/s.bin"
    # shellcheck disable=SC2086
    if "$TSNE" --input "$WORK/$input" --iterations 200 --exaggeration-iterations 50 $opts --save-state "$WORK/s.bin" \
        --output "$WORK/first.$ext" --quiet 2>"$WORK/stderr" &&
        "$TSNE" --load-state "$WORK/s.bin" --iterations 100 $again --output "$WORK/cont.$ext" --quiet 2>>"$WORK/stderr" &&
        "$TSNE" --input "$WORK/$input" --iterations 300 --exaggeration-iterations 50 $opts --output "$WORK/whole.$ext" \
            --quiet 2>>"$WORK/stderr"; then
        if [ -s "$WORK/cont.$ext" ] && cmp -s "$WORK/cont.$ext" "$WORK/whole.$ext" &&
            ! cmp -s "$WORK/first.$ext" "$WORK/whole.$ext"; then
            ok "$name"
        else
            bad "$name" "the continued and the whole run differ"
        fi
    else
        bad "$name" "exit status $?: $(head -c 300 "$WORK/stderr")"
    fi
done
cp "$WORK/s.bin" "$WORK/state1d.bin"  # the last variant's: a 1-D float64 run
"$TSNE" --input "$WORK/small.csv" "${FAST[@]}" --save-state "$WORK/state.bin" --quiet 2>/dev/null
if [ -s "$WORK/state.bin" ] && [ "$(head -c 7 "$WORK/state.bin")" = TSNERUN ]; then ok "--save-state as the only output"
else bad "--save-state as the only output" "no state file"; fi
run_check "--load-state with --report, --verbose, a late phase" \
    'grep -q "continuing after iteration 50" "$WORK/stderr" && grep -q "\"input_kind\": \"load-state\"" "$WORK/r.json" &&
     grep -q "\"iterations\": 110" "$WORK/r.json"' \
    --load-state "$WORK/state.bin" --iterations 60 --exaggeration-iterations 10 --late-exaggeration 2 \
    --late-exaggeration-start 40 --report "$WORK/r.json" --verbose --output "$WORK/out.csv"

# A float32 .npy is memory-mapped and viewed in place: the same embedding as the same float32
# values read from CSV, and as the same file with unaligned data (read into memory: the path of
# every .npy before mmap).
for other in mapped.csv unaligned.npy; do
    name="memory-mapped float32 .npy = $other"
    if "$TSNE" --input "$WORK/mapped.npy" --output "$WORK/m.csv" --verbose "${FAST[@]}" 2>"$WORK/stderr" &&
        grep -q "float32, memory-mapped" "$WORK/stderr" &&
        "$TSNE" --input "$WORK/$other" --output "$WORK/o.csv" --verbose "${FAST[@]}" 2>"$WORK/stderr" &&
        ! grep -q "memory-mapped" "$WORK/stderr"; then
        if cmp -s "$WORK/m.csv" "$WORK/o.csv"; then ok "$name"; else bad "$name" "outputs differ"; fi
    else
        bad "$name" "exit status $? or wrong read path: $(head -c 300 "$WORK/stderr")"
    fi
done

# --plot with --labels: a PNG file (and the CSV).
rm -f "$WORK/out.csv" "$WORK/plot.png"
if "$TSNE" --input "$WORK/small.csv" --output "$WORK/out.csv" --labels "$WORK/small_labels.txt" \
    --plot "$WORK/plot.png" --quiet "${FAST[@]}" 2>"$WORK/stderr"; then
    if [ "$(head -c 8 "$WORK/plot.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
        check_csv "--plot with --labels" "$WORK/out.csv" 150 2 && ok "--plot with --labels"
    else
        bad "--plot with --labels" "no PNG file written"
    fi
else
    bad "--plot with --labels" "exit status $?: $(head -c 300 "$WORK/stderr")"
fi

# Same seed, different thread counts: identical output.
"$TSNE" --input "$WORK/small.csv" --output "$WORK/t1.csv" --threads 1 --quiet "${FAST[@]}" 2>/dev/null
"$TSNE" --input "$WORK/small.csv" --output "$WORK/t2.csv" --threads 2 --quiet "${FAST[@]}" 2>/dev/null
if [ -s "$WORK/t1.csv" ] && cmp -s "$WORK/t1.csv" "$WORK/t2.csv"; then ok "1 and 2 threads give identical output"
else bad "1 and 2 threads give identical output" "outputs differ or are missing"; fi

# --output - writes to stdout.
if "$TSNE" --input "$WORK/f64.npy" --output - --quiet "${FAST[@]}" >"$WORK/stdout.csv" 2>"$WORK/stderr"; then
    check_csv "--output -" "$WORK/stdout.csv" 100 2 && ok "--output - (stdout)"
else
    bad "--output -" "exit status $?: $(head -c 300 "$WORK/stderr")"
fi

# --verbose reports progress with KL and the phase timings.
if "$TSNE" --input "$WORK/small.csv" --output "$WORK/out.csv" --verbose --iterations 100 \
    --exaggeration-iterations 50 2>"$WORK/stderr" &&
    grep -q 'KL' "$WORK/stderr" && grep -q 'neighbors .* affinities .* initialization' "$WORK/stderr" &&
    grep -q 'optimization' "$WORK/stderr"; then
    ok "--verbose"
else
    bad "--verbose" "missing progress or timings: $(head -c 300 "$WORK/stderr")"
fi

# --verbose with a precomputed input reports the same phase timings.
if "$TSNE" --knn-graph "$WORK/knn.csv" --perplexity 5 --output "$WORK/out.csv" --verbose "${FAST[@]}" \
    2>"$WORK/stderr" && grep -q 'neighbors [0-9.]* s, affinities [0-9.]* s' "$WORK/stderr" &&
    grep -q 'optimization [0-9.]* s' "$WORK/stderr"; then
    ok "--verbose with --knn-graph"
else
    bad "--verbose with --knn-graph" "missing timings: $(head -c 300 "$WORK/stderr")"
fi

# --help documents every option; --version names the version and the SIMD instruction set.
if "$TSNE" --help >"$WORK/help.txt" 2>&1; then
    missing=""
    for opt in --input --output --dims --perplexity --iterations --exaggeration-iterations --exaggeration \
        --learning-rate --seed --threads --init --method --fft-nodes --fft-box-width --late-exaggeration --late-exaggeration-start --dof --labels --plot --verbose --quiet --help --version \
        --distances --knn-graph --affinities --points --no-symmetrize --no-normalize --knn --metric --affinity \
        --perplexities --uniform-k --theta --shape --color --color-k --snapshots --animate --animate-size \
        --frame-delay --report --save-knn --plot-size --momentum --final-momentum --max-step-norm --gains --kl-every \
        --init-std --pca-exact-max-dims --pca-power-iterations --exact-below --bh-leaf-size --bh-group-size \
        --knn-vp-max-dims --knn-exact-max-points --ivf-clusters --ivf-probes --ivf-kmeans-iterations --ivf-refine \
        --ivf-refine-width --sigma-tolerance --sigma-max-steps --animate-view --early-stop --save-state --load-state \
        'Exit status'; do
        grep -q -- "$opt" "$WORK/help.txt" || missing="$missing $opt"
    done
    if [ -z "$missing" ]; then ok "--help"; else bad "--help" "does not mention:$missing"; fi
else
    bad "--help" "non-zero exit status"
fi
if "$TSNE" --version >"$WORK/version.txt" 2>&1 && grep -Eq '^tsne [0-9]+\.[0-9]+\.[0-9]+ \(SIMD: [a-z0-9_]+\)$' \
    "$WORK/version.txt"; then
    ok "--version ($(cat "$WORK/version.txt"))"
else
    bad "--version" "unexpected output: $(head -c 200 "$WORK/version.txt")"
fi

# A failed run leaves an existing output file untouched.
echo "previous" >"$WORK/keep.csv"
"$TSNE" --input "$WORK/ragged.csv" --output "$WORK/keep.csv" 2>/dev/null
if [ "$(cat "$WORK/keep.csv")" = "previous" ]; then ok "failed run keeps the existing output"
else bad "failed run keeps the existing output" "the file was changed"; fi

# ---- failure cases ------------------------------------------------------------------------------
expect_failure "missing input file" 1 --input "$WORK/does_not_exist.csv" --output "$OUT"
expect_failure "ragged CSV" 1 --input "$WORK/ragged.csv" --output "$OUT"
expect_failure "NaN cell" 1 --input "$WORK/nan.csv" --output "$OUT"
expect_failure "Inf cell" 1 --input "$WORK/inf.csv" --output "$OUT"
expect_failure "text cell" 1 --input "$WORK/text.csv" --output "$OUT"
expect_failure "empty file" 1 --input "$WORK/empty.csv" --output "$OUT"
expect_failure "truncated .npy" 1 --input "$WORK/truncated.npy" --output "$OUT"
expect_failure "Fortran-order .npy" 1 --input "$WORK/fortran.npy" --output "$OUT"
expect_failure "int32 .npy" 1 --input "$WORK/int.npy" --output "$OUT"
expect_failure ".npy header with a huge shape" 1 --input "$WORK/lying.npy" --output "$OUT"
expect_failure "perplexity 5000 on 50 rows" 1 --input "$WORK/rows50.csv" --output "$OUT" --perplexity 5000
# Too few points to embed is bad input (1), not a failed run (4).
head -n 1 "$WORK/small.csv" >"$WORK/row1.csv"
WANT='need at least 2 points' expect_failure "a single row" 1 --input "$WORK/row1.csv" --output "$OUT"
head -n 2 "$WORK/small.csv" >"$WORK/row2.csv"
WANT='perplexity 30 is too large for N = 2' expect_failure "two rows at the default perplexity" 1 \
    --input "$WORK/row2.csv" --output "$OUT"
expect_failure "labels count mismatch" 1 --input "$WORK/small.csv" --output "$OUT" \
    --labels "$WORK/two_labels.txt" --plot "$WORK/fail/plot.png"
expect_failure "output directory does not exist" 3 --input "$WORK/small.csv" --output "$WORK/fail/no/such/dir/out.csv"
expect_failure "unknown option" 2 --input "$WORK/small.csv" --output "$OUT" --frobnicate
expect_failure "--dims 7" 2 --input "$WORK/small.csv" --output "$OUT" --dims 7
expect_failure "--perplexity -1" 2 --input "$WORK/small.csv" --output "$OUT" --perplexity -1
expect_failure "--learning-rate fast" 2 --input "$WORK/small.csv" --output "$OUT" --learning-rate fast
expect_failure "--iterations 1e3" 2 --input "$WORK/small.csv" --output "$OUT" --iterations 1e3
expect_failure "exaggeration iterations > iterations" 2 --input "$WORK/small.csv" --output "$OUT" \
    --iterations 100 --exaggeration-iterations 200
expect_failure "--init spectral" 2 --input "$WORK/small.csv" --output "$OUT" --init spectral
expect_failure "--method fmm" 2 --input "$WORK/small.csv" --output "$OUT" --method fmm
expect_failure "--theta -1" 2 --input "$WORK/small.csv" --output "$OUT" --method bh --theta -1
expect_failure "--dof 0" 2 --input "$WORK/small.csv" --output "$OUT" --dof 0
expect_failure "--late-exaggeration-start before the early phase ends" 2 --input "$WORK/small.csv" --output "$OUT" \
    --late-exaggeration 2 --late-exaggeration-start 100
expect_failure "--late-exaggeration without a start" 2 --input "$WORK/small.csv" --output "$OUT" --late-exaggeration 2
expect_failure "--fft-nodes 1" 2 --input "$WORK/small.csv" --output "$OUT" --method fft --fft-nodes 1
expect_failure "--fft-box-width -1" 2 --input "$WORK/small.csv" --output "$OUT" --method fft --fft-box-width -1
expect_failure "--theta nan" 2 --input "$WORK/small.csv" --output "$OUT" --theta nan
WANT='nothing to write' expect_failure "no output at all" 2 --input "$WORK/small.csv"
expect_failure "option without its value" 2 --input "$WORK/small.csv" --output "$OUT" --perplexity
expect_failure "--plot with --dims 1" 2 --input "$WORK/small.csv" --output "$OUT" --dims 1 --plot "$WORK/fail/p.png"

# Precomputed inputs and the options that go with them.
WANT='knn_fraction.csv: line 4, column 3: .*not an integer' \
    expect_failure "kNN graph: non-integer index" 1 --knn-graph "$WORK/knn_fraction.csv" --output "$OUT" \
        --perplexity 5
WANT='knn_range.csv: line 6, column 1: .*out of range' \
    expect_failure "kNN graph: index out of range" 1 --knn-graph "$WORK/knn_range.csv" --output "$OUT" --perplexity 5
WANT='knn_negative_index.csv: line 8, column 2: .*negative' \
    expect_failure "kNN graph: negative index" 1 --knn-graph "$WORK/knn_negative_index.csv" --output "$OUT" \
        --perplexity 5
WANT='knn_negative_dist.csv: line 10, column 26: negative distance' \
    expect_failure "kNN graph: negative distance" 1 --knn-graph "$WORK/knn_negative_dist.csv" --output "$OUT" \
        --perplexity 5
WANT='knn_self.csv: line 12, column 1: point 11 lists itself' \
    expect_failure "kNN graph: point is its own neighbour" 1 --knn-graph "$WORK/knn_self.csv" --output "$OUT" \
        --perplexity 5
WANT='knn_odd.csv: .*even number of columns' \
    expect_failure "kNN graph: odd column count" 1 --knn-graph "$WORK/knn_odd.csv" --output "$OUT" --perplexity 5
WANT='has 20 neighbours per point but the affinities need 59' \
    expect_failure "kNN graph: k too small for the perplexity" 1 --knn-graph "$WORK/knn.csv" --output "$OUT" \
        --perplexity 30
WANT='aff_two_columns.csv: affinities need 3 columns' \
    expect_failure "affinities: two columns" 1 --affinities "$WORK/aff_two_columns.csv" --output "$OUT"
WANT='aff_bad_index.csv: line 6, column 2: .*not an integer' \
    expect_failure "affinities: non-integer index" 1 --affinities "$WORK/aff_bad_index.csv" --output "$OUT"
WANT='aff_diagonal.csv: line 6: .*diagonal' \
    expect_failure "affinities: diagonal entry" 1 --affinities "$WORK/aff_diagonal.csv" --output "$OUT"
WANT='aff_negative.csv: line 6, column 3: negative' \
    expect_failure "affinities: negative value" 1 --affinities "$WORK/aff_negative.csv" --output "$OUT"
WANT='aff.csv: line [0-9]*, column [12]: .*out of range' \
    expect_failure "affinities: index >= --points" 1 --affinities "$WORK/aff.csv" --points 50 --output "$OUT"
WANT='dist_nonsquare.csv: .*square' \
    expect_failure "distances: not square" 1 --distances "$WORK/dist_nonsquare.csv" --output "$OUT"
WANT='perplexity 100 is too large' \
    expect_failure "distances: perplexity too large" 1 --distances "$WORK/dist.csv" --output "$OUT" --perplexity 100
expect_failure "failed run with --save-knn leaves no graph" 1 --input "$WORK/rows50.csv" --output "$OUT" \
    --perplexity 5000 --save-knn "$WORK/fail/graph.csv"
WANT='--input and --distances' \
    expect_failure "both --input and --distances" 2 --input "$WORK/small.csv" --distances "$WORK/dist.csv" \
        --output "$OUT"
expect_failure "no input at all" 2 --output "$OUT"
WANT='--metric .*--distances' \
    expect_failure "--metric with --distances" 2 --distances "$WORK/dist.csv" --metric cosine --output "$OUT"
WANT='--knn .*--knn-graph' \
    expect_failure "--knn with --knn-graph" 2 --knn-graph "$WORK/knn.csv" --knn exact --output "$OUT"
WANT='--perplexity .*--affinities' \
    expect_failure "--perplexity with --affinities" 2 --affinities "$WORK/aff.csv" --perplexity 5 --output "$OUT"
WANT='--no-normalize .*--input' \
    expect_failure "--no-normalize with --input" 2 --input "$WORK/small.csv" --no-normalize --output "$OUT"
WANT='--save-knn .*--distances' \
    expect_failure "--save-knn with --distances" 2 --distances "$WORK/dist.csv" --save-knn "$WORK/fail/g.csv" \
        --output "$OUT"
WANT='--init pca .*--knn-graph' \
    expect_failure "--init pca with --knn-graph" 2 --knn-graph "$WORK/knn.csv" --init pca --output "$OUT"
expect_failure "--knn fast" 2 --input "$WORK/small.csv" --knn fast --output "$OUT"
expect_failure "--metric manhattan" 2 --input "$WORK/small.csv" --metric manhattan --output "$OUT"
expect_failure "--affinity multiscale without --perplexities" 2 --input "$WORK/small.csv" --affinity multiscale \
    --output "$OUT"
expect_failure "--perplexities 30,x" 2 --input "$WORK/small.csv" --affinity multiscale --perplexities 30,x \
    --output "$OUT"
expect_failure "--uniform-k without --affinity uniform" 2 --input "$WORK/small.csv" --uniform-k 10 --output "$OUT"
expect_failure "--perplexity with --affinity uniform" 2 --input "$WORK/small.csv" --affinity uniform --perplexity 5 \
    --output "$OUT"

# ---- more input formats, outputs, pictures and the report ------------------------------------------
expect_success "CSV with a header row" 150 2 --input "$WORK/header150.csv"
expect_success "npy uint8 input" 150 2 --input "$WORK/u8.npy"
expect_success "IDX input" 150 2 --input "$WORK/images.idx"
# gzip needs zlib; a tsne built without it must say so in one line.
if "$TSNE" --input "$WORK/images.idx.gz" --output "$WORK/out.csv" --quiet "${FAST[@]}" 2>"$WORK/stderr" ||
    ! grep -q 'without zlib' "$WORK/stderr"; then
    GZ=1
    expect_success "gzip IDX input" 150 2 --input "$WORK/images.idx.gz"
else
    GZ=0
    WANT='built without zlib' expect_failure "gzip IDX input without zlib" 1 --input "$WORK/images.idx.gz" --output "$OUT"
fi
expect_success "raw float32 with --shape" 150 2 --input "$WORK/raw.f32" --shape 150,64
expect_success "every optimiser and search knob" 150 2 --input "$WORK/small.csv" --momentum 0.4 --final-momentum 0.7 \
    --max-step-norm 3 --gains 0.3,0.7,0.02 --kl-every 10 --init-std 0.001 --exact-below 100 --bh-leaf-size 8 \
    --bh-group-size 64 --knn approx --ivf-clusters 8 --ivf-probes 3 --ivf-kmeans-iterations 2 --ivf-refine 1 \
    --ivf-refine-width 4 --sigma-tolerance 1e-4 --sigma-max-steps 50 --pca-power-iterations 2
run_check "--early-stop stops early" 'grep -q "early-stop: the KL improved by less than 0.5" "$WORK/stderr"' \
    --input "$WORK/small.csv" --output "$WORK/out.csv" --early-stop 0.5 --verbose
expect_success "--knn vptree" 150 2 --input "$WORK/small.csv" --knn vptree
expect_success "--knn auto thresholds" 150 2 --input "$WORK/small.csv" --knn-vp-max-dims 100 --knn-exact-max-points 10 \
    --pca-exact-max-dims 10

# Labels in every format.
gz_labels=labels.idx.gz
[ "$GZ" = 1 ] || gz_labels=""
for lab in small_labels.txt labels_header.csv labels.idx $gz_labels labels_i8.npy; do
    rm -f "$WORK/p.png"
    run_check "labels from $lab" 'is_png "$WORK/p.png"' --input "$WORK/images.idx" --labels "$WORK/$lab" \
        --plot "$WORK/p.png" --quiet "${FAST[@]}"
done

# .npy output: float32 for float32 input, the right shape.
cat >"$WORK/npycheck.py" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<H", b[8:10])[0]
h = b[10:10 + n].decode()
assert b[:6] == b"\x93NUMPY" and "'<f4'" in h and "(150, 2)" in h, h
assert len(b) == 10 + n + 150 * 2 * 4
vals = struct.unpack("<300f", b[10 + n:])
assert all(v == v and abs(v) < 1e6 for v in vals)
EOF
run_check ".npy output" '"$PY" "$WORK/npycheck.py" "$WORK/y.npy"' --input "$WORK/small.csv" --output "$WORK/y.npy" \
    --quiet "${FAST[@]}"

# Plots in every colouring (PNG of a plausible size).
for spec in distortion:2 preservation:2 labels:2 embedding3d:3 none:2 default:3; do
    mode=${spec%%:*}
    dims=${spec##*:}
    args=(--color "$mode")
    [ "$mode" = default ] && args=()
    rm -f "$WORK/p.png"
    run_check "--plot coloured by $mode in ${dims}-D" 'is_png "$WORK/p.png"' --input "$WORK/small.csv" \
        --labels "$WORK/small_labels.txt" --plot "$WORK/p.png" --dims "$dims" "${args[@]}" --quiet "${FAST[@]}"
done

# Animated GIF: a standard-library GIF decoder walks every block and LZW-decodes every frame.
cat >"$WORK/gifcheck.py" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:6] == b"GIF89a", "signature"
w, h, packed = struct.unpack("<HHB", b[6:11])
pos = 13 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0)
def lzw(data, min_size, count):
    clear, eoi = 1 << min_size, (1 << min_size) + 1
    size, table, out, prev = min_size + 1, None, [], None
    bits, nbits, i = 0, 0, 0
    while True:
        while nbits < size:
            assert i < len(data), "data ended before the end code"
            bits |= data[i] << nbits; nbits += 8; i += 1
        code = bits & ((1 << size) - 1); bits >>= size; nbits -= size
        if code == clear:
            table = [[c] for c in range(clear)] + [None, None]; size = min_size + 1; prev = None; continue
        if code == eoi: break
        if prev is None: entry = table[code]
        elif code < len(table): entry = table[code]; table.append(table[prev] + [entry[0]])
        elif code == len(table): entry = table[prev] + [table[prev][0]]; table.append(entry)
        else: raise AssertionError("bad code %d" % code)
        out += entry; prev = code
        if len(table) == (1 << size) and size < 12: size += 1
    assert len(out) == count, (len(out), count)
frames = 0
while b[pos] != 0x3B:
    if b[pos] == 0x21:
        pos += 2
        while b[pos]: pos += b[pos] + 1
        pos += 1
    elif b[pos] == 0x2C:
        fw, fh = struct.unpack("<HH", b[pos + 5:pos + 9]); pos += 10
        min_size = b[pos]; pos += 1; data = bytearray()
        while b[pos]: data += b[pos + 1:pos + 1 + b[pos]]; pos += b[pos] + 1
        pos += 1; lzw(data, min_size, fw * fh); frames += 1
    else: raise AssertionError("unexpected block 0x%02x" % b[pos])
print(frames, w, h)
EOF
rm -f "$WORK/a.gif"
run_check "--animate GIF (6 frames decoded)" '[ "$("$PY" "$WORK/gifcheck.py" "$WORK/a.gif")" = "6 200 200" ]' \
    --input "$WORK/small.csv" --labels "$WORK/small_labels.txt" --animate "$WORK/a.gif" --snapshots 10 \
    --animate-size 200 --quiet "${FAST[@]}"
mkdir -p "$WORK/frames"
run_check "--animate PNG frames" '[ "$(ls "$WORK/frames" | tr "\n" " ")" = "f_000.png f_001.png f_002.png " ]' \
    --input "$WORK/small.csv" --dims 3 --animate "$WORK/frames/f_%03d.png" --snapshots 25 --animate-view fixed \
    --quiet "${FAST[@]}"

# The JSON report: every score present and plausible.
cat >"$WORK/reportcheck.py" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["points"] == 150 and r["kl_exact"] is True and 0 < r["kl"] < 5, r
assert 0.3 < r["knn_recall10"] <= 1 and 0.8 < r["trustworthiness10"] <= 1 and 0.8 < r["knn_accuracy10"] <= 1, r
assert r["trustworthiness_points"] == 150 and r["seconds"]["total"] > 0, r
EOF
run_check "--report" '"$PY" "$WORK/reportcheck.py" "$WORK/r.json"' --input "$WORK/small.csv" \
    --labels "$WORK/small_labels.txt" --report "$WORK/r.json" --quiet --iterations 300 --exaggeration-iterations 100

# Without a terminal the default output is the one summary line (no progress bar).
run_check "no progress bar without a terminal" \
    '[ "$(wc -l <"$WORK/stderr")" -eq 1 ] && ! grep -q $'"'"'\r'"'"' "$WORK/stderr" && grep -q "^tsne: embedded" "$WORK/stderr"' \
    --input "$WORK/small.csv" --output "$WORK/out.csv" "${FAST[@]}"

# Malformed files of the new formats: one clear line naming the file, exit 1.
WANT='images_truncated.idx: truncated IDX data' \
    expect_failure "truncated IDX" 1 --input "$WORK/images_truncated.idx" --output "$OUT"
WANT='images_trailing.idx: corrupt IDX file' \
    expect_failure "IDX with trailing bytes" 1 --input "$WORK/images_trailing.idx" --output "$OUT"
if [ "$GZ" = 1 ]; then
    WANT='images_truncated.idx.gz: truncated or corrupt gzip' \
        expect_failure "truncated gzip IDX" 1 --input "$WORK/images_truncated.idx.gz" --output "$OUT"
    WANT='images_corrupt.idx.gz: .*gzip' \
        expect_failure "corrupt gzip IDX" 1 --input "$WORK/images_corrupt.idx.gz" --output "$OUT"
fi
WANT='floats_nan.idx: non-finite value' \
    expect_failure "NaN in IDX" 1 --input "$WORK/floats_nan.idx" --output "$OUT"
WANT='raw.f32: --shape 150,63 needs' \
    expect_failure "wrong --shape" 1 --input "$WORK/raw.f32" --shape 150,63 --output "$OUT"
WANT='raw.f32: --shape 200,64 needs' \
    expect_failure "--shape larger than the file" 1 --input "$WORK/raw.f32" --shape 200,64 --output "$OUT"
WANT='raw_nan.f32: non-finite value nan at row 5, column 3' \
    expect_failure "NaN in raw float32" 1 --input "$WORK/raw_nan.f32" --shape 150,64 --output "$OUT"
WANT='header_short.csv: line 1: the header has 2 names' \
    expect_failure "header narrower than the rows" 1 --input "$WORK/header_short.csv" --output "$OUT"
WANT='labels100.idx: has 100 labels but .* has 150 points' \
    expect_failure "IDX labels count mismatch" 1 --input "$WORK/images.idx" --labels "$WORK/labels100.idx" \
        --plot "$WORK/fail/p.png"
WANT='images.idx: labels must be a 1-D IDX array' \
    expect_failure "images given as labels" 1 --input "$WORK/images.idx" --labels "$WORK/images.idx" \
        --plot "$WORK/fail/p.png"
WANT='labels_truncated.npy: truncated' \
    expect_failure "truncated .npy labels" 1 --input "$WORK/small.csv" --labels "$WORK/labels_truncated.npy" \
        --plot "$WORK/fail/p.png"
WANT='labels_float.npy: label 0 .*not an integer' \
    expect_failure "non-integer .npy labels" 1 --input "$WORK/small.csv" --labels "$WORK/labels_float.npy" \
        --plot "$WORK/fail/p.png"
WANT='--shape must be N,D' expect_failure "--shape 150" 2 --input "$WORK/raw.f32" --shape 150 --output "$OUT"
WANT='--shape is for headerless' \
    expect_failure "--shape with .npy" 2 --input "$WORK/f32.npy" --shape 120,6 --output "$OUT"
WANT='--color distortion and preservation need the data' \
    expect_failure "--color distortion with --distances" 2 --distances "$WORK/dist.csv" --color distortion \
        --plot "$WORK/fail/p.png"
WANT='--color embedding3d needs --dims 3' \
    expect_failure "--color embedding3d in 2-D" 2 --input "$WORK/small.csv" --color embedding3d --plot "$WORK/fail/p.png"
WANT='--color labels needs --labels' \
    expect_failure "--color labels without labels" 2 --input "$WORK/small.csv" --color labels --plot "$WORK/fail/p.png"
WANT='--animate: .*%d' \
    expect_failure "--animate without .gif or %d" 2 --input "$WORK/small.csv" --animate "$WORK/fail/a.png"
WANT='--snapshots needs --animate FILE or --html FILE' \
    expect_failure "--snapshots without --animate or --html" 2 --input "$WORK/small.csv" --snapshots 5 --output "$OUT"
WANT='--animate-size, --animate-view and --frame-delay need --animate' \
    expect_failure "--animate-size without --animate" 2 --input "$WORK/small.csv" --animate-size 200 --output "$OUT"
WANT='--gains must be' \
    expect_failure "--gains 0.2,1.5,0.01" 2 --input "$WORK/small.csv" --gains 0.2,1.5,0.01 --output "$OUT"
WANT='--bh-group-size' expect_failure "--bh-group-size below the leaf size" 2 --input "$WORK/small.csv" \
    --bh-leaf-size 32 --bh-group-size 16 --output "$OUT"
# Devices are written in place, never replaced by a renamed temporary file (that would turn
# /dev/null into a regular file when run as root).
run_check "--output /dev/null stays a device" '[ -c /dev/null ]' --input "$WORK/small.csv" --output /dev/null \
    --quiet "${FAST[@]}"
if [ -c /dev/full ]; then
    WANT='/dev/full: write error' expect_failure "a full device" 3 --input "$WORK/small.csv" --output /dev/full
    [ -c /dev/full ] && ok "/dev/full stays a device" || bad "/dev/full stays a device" "it was replaced"
fi
WANT='r.json: ' expect_failure "report into a missing directory" 3 --input "$WORK/small.csv" \
    --report "$WORK/fail/no/dir/r.json"

# Run-state files (--save-state / --load-state): one clear line for a damaged file or a mismatch.
head -c 1000 "$WORK/state.bin" >"$WORK/state_truncated.bin"
head -c 20 "$WORK/state.bin" >"$WORK/state_header_cut.bin"
{ head -c 24 "$WORK/state.bin"; head -c 4000 /dev/zero | tr '\0' '\377'; } >"$WORK/state_garbage.bin"
WANT='state_truncated.bin: run state: truncated' \
    expect_failure "truncated run state" 1 --load-state "$WORK/state_truncated.bin" --output "$OUT"
WANT='state_header_cut.bin: run state: truncated while reading' \
    expect_failure "run state cut inside its header" 1 --load-state "$WORK/state_header_cut.bin" --output "$OUT"
WANT='state_garbage.bin: run state: ' \
    expect_failure "run state with garbage after its header" 1 --load-state "$WORK/state_garbage.bin" --output "$OUT"
WANT='small.csv: run state: not a tsne run-state file' \
    expect_failure "a CSV file as run state" 1 --load-state "$WORK/small.csv" --output "$OUT"
WANT='--dims 3 does not match .*state.bin, which holds a 2-D run' \
    expect_failure "--load-state with another --dims" 2 --load-state "$WORK/state.bin" --dims 3 --output "$OUT"
WANT='--plot needs a 2-D or 3-D run' \
    expect_failure "--plot of a 1-D saved run" 2 --load-state "$WORK/state1d.bin" --plot "$WORK/fail/p.png"
WANT='--input and --load-state exclude each other' \
    expect_failure "--input with --load-state" 2 --input "$WORK/small.csv" --load-state "$WORK/state.bin" --output "$OUT"
WANT='--perplexity does not apply to --load-state' \
    expect_failure "--perplexity with --load-state" 2 --load-state "$WORK/state.bin" --perplexity 5 --output "$OUT"
WANT='--method does not apply to --load-state' \
    expect_failure "--method with --load-state" 2 --load-state "$WORK/state.bin" --method fft --output "$OUT"
WANT='s.bin: cannot create' expect_failure "--save-state into a missing directory" 3 --input "$WORK/small.csv" \
    --save-state "$WORK/fail/no/dir/s.bin"
WANT='perplexity' expect_failure "failed run with --save-state leaves no state" 1 --input "$WORK/rows50.csv" \
    --perplexity 5000 --save-state "$WORK/fail/s.bin"
# Issue 18: a 276-byte state file whose size fields make the bytes P and the embedding need wrap
# around to 0 in 64 bits (N = 2^31 - 3, nnz = 2^61 - 2N - 1, float 2-D) is refused by name before
# anything is allocated (unchecked, it allocated 16 GiB of row offsets first: under a 4 GB address
# space limit, when prlimit is there, that is an out-of-memory failure instead of exit 1).
{ printf 'TSNERUN\0\2\0\0\0\4\3\2\1\4\0\0\0\2\0\0\0\375\377\377\177\0\0\0\0'
  printf '\0\0\0\0\62\0\0\0\0\0\0\0\0\0\360\77\0\0\0\0ORDR\0\0\0\0\0\0\0\0'
  printf 'PCSR\5\0\0\0\377\377\377\37'; head -c 200 /dev/zero; } >"$WORK/state_overflow.bin"
if [ "$(wc -c <"$WORK/state_overflow.bin")" -ne 276 ]; then bad "crafted 276-byte run state" "wrong size"
elif command -v prlimit >/dev/null; then
    WANT='state_overflow.bin: run state: truncated or corrupt: P and the embedding: size .* overflows' TSNE=prlimit \
        expect_failure "run state whose byte count overflows (4 GB address space)" 1 --as=4000000000 -- "$TSNE" \
        --load-state "$WORK/state_overflow.bin" --output "$OUT"
else
    WANT='state_overflow.bin: run state: truncated or corrupt: P and the embedding: size .* overflows' \
        expect_failure "run state whose byte count overflows" 1 --load-state "$WORK/state_overflow.bin" --output "$OUT"
fi

# Memory-mapped .npy inputs keep every check.
WANT='truncated.npy: truncated .npy data' \
    expect_failure "truncated float32 .npy (mapped)" 1 --input "$WORK/truncated.npy" --output "$OUT"
WANT='nan32.npy: non-finite value nan at row 3, column 1' \
    expect_failure "NaN in a mapped float32 .npy" 1 --input "$WORK/nan32.npy" --output "$OUT"

# ---- transform: new points into a finished embedding ----------------------------------------------
# 300 digits: rows with index % 10 != 3 are the reference (270), the others new (30).
head -n 300 "$DATA/digits.csv" | awk 'NR % 10 != 4' >"$WORK/ref.csv"
head -n 300 "$DATA/digits.csv" | awk 'NR % 10 == 4' >"$WORK/new.csv"
head -n 300 "$DATA/digits_labels.csv" | awk 'NR % 10 != 4' >"$WORK/ref_labels.txt"
head -n 300 "$DATA/digits_labels.csv" | awk 'NR % 10 == 4' >"$WORK/new_labels.txt"
"$TSNE" --input "$WORK/ref.csv" --output "$WORK/refY.csv" --quiet 2>/dev/null
TR=(--reference-data "$WORK/ref.csv" --reference-embedding "$WORK/refY.csv")
if "$TSNE" --input "$WORK/new.csv" "${TR[@]}" --output "$WORK/newY.csv" --quiet 2>"$WORK/stderr" &&
    check_csv "transform: 30 new points" "$WORK/newY.csv" 30 2; then
    ok "transform: 30 new points into a 270-point embedding"
    # Each new point lands among its class: 10-NN vote of the reference labels in the embedding.
    acc=$("$PY" - "$WORK" <<'PYEOF'
import sys
w = sys.argv[1]
rd = lambda f: [[float(v) for v in l.split(",")] for l in open(f"{w}/{f}") if l.strip()]
ref, new = rd("refY.csv"), rd("newY.csv")
rl = [int(l) for l in open(f"{w}/ref_labels.txt")]
nl = [int(l) for l in open(f"{w}/new_labels.txt")]
hit = 0
for y, lab in zip(new, nl):
    near = sorted(range(len(ref)), key=lambda j: sum((a - b) ** 2 for a, b in zip(y, ref[j])))[:10]
    votes = {}
    for j in near:
        votes[rl[j]] = votes.get(rl[j], 0) + 1
    hit += max(sorted(votes), key=lambda k: votes[k]) == lab
print(hit / len(new))
PYEOF
)
    if awk -v a="$acc" 'BEGIN { exit !(a >= 0.85) }'; then ok "transform: new points land next to their class (10-NN accuracy $acc)"
    else bad "transform: new points land next to their class" "10-NN accuracy $acc < 0.85"; fi
    # New points do not interact: the first five alone land exactly where they land in the batch.
    head -n 5 "$WORK/new.csv" >"$WORK/new5.csv"
    "$TSNE" --input "$WORK/new5.csv" "${TR[@]}" --output "$WORK/new5Y.csv" --quiet 2>/dev/null
    if cmp -s "$WORK/new5Y.csv" <(head -n 5 "$WORK/newY.csv"); then ok "transform: points alone = the same points in a batch"
    else bad "transform: points alone = the same points in a batch" "outputs differ"; fi
else
    bad "transform: 30 new points into a 270-point embedding" "$(head -c 300 "$WORK/stderr")"
fi
run_check "transform with --plot, --verbose, exact sums, median start" \
    'is_png "$WORK/tp.png" && grep -q "placed 30 points" "$WORK/stderr" && check_csv x "$WORK/out.csv" 30 2' \
    --input "$WORK/new.csv" --reference-data "$WORK/ref.csv" --reference-embedding "$WORK/refY.csv" --theta 0 \
    --transform-init median --transform-neighbors 20 --perplexity 8 --iterations 100 --plot "$WORK/tp.png" \
    --verbose --output "$WORK/out.csv"
head -n 20 "$WORK/refY.csv" >"$WORK/refY20.csv"
awk -F, '{ print $0 ",0,0" }' "$WORK/refY.csv" >"$WORK/refY4.csv"
cut -d, -f1-10 "$WORK/new.csv" >"$WORK/new10.csv"
WANT='--reference-data needs --reference-embedding' \
    expect_failure "transform without --reference-embedding" 2 --input "$WORK/new.csv" --reference-data "$WORK/ref.csv" \
    --output "$OUT"
WANT='--knn does not apply to a transform' \
    expect_failure "--knn with a transform" 2 --input "$WORK/new.csv" "${TR[@]}" --knn exact --output "$OUT"
WANT='give --input FILE, not --distances' \
    expect_failure "transform of --distances" 2 --distances "$WORK/ref.csv" "${TR[@]}" --output "$OUT"
WANT='does not match' expect_failure "transform with the wrong --dims" 2 --input "$WORK/new.csv" "${TR[@]}" --dims 3 \
    --output "$OUT"
WANT='refY20.csv: has 20 rows but' expect_failure "reference embedding of other length" 1 --input "$WORK/new.csv" \
    --reference-data "$WORK/ref.csv" --reference-embedding "$WORK/refY20.csv" --output "$OUT"
WANT='refY4.csv: has 4 columns' expect_failure "4-column reference embedding" 1 --input "$WORK/new.csv" \
    --reference-data "$WORK/ref.csv" --reference-embedding "$WORK/refY4.csv" --output "$OUT"
WANT='new points have 10 columns but the reference data has 64' \
    expect_failure "new points of another width" 1 --input "$WORK/new10.csv" "${TR[@]}" --output "$OUT"
WANT='--perplexity 20 is larger than --transform-neighbors (15)' \
    expect_failure "transform perplexity above its neighbours" 2 --input "$WORK/new.csv" "${TR[@]}" --perplexity 20 \
    --output "$OUT"
run_check "transform with --iterations 0 reports the start's KL" 'grep -q "KL [0-9]" "$WORK/stderr"' \
    --input "$WORK/new.csv" "${TR[@]}" --iterations 0 --output "$WORK/out.csv"

# ---- issue 18: non-seekable inputs, long lines, truncated mappings, delimiters -------------------
# Every input is opened once and read front to back (the format sniffed from the same buffer), so
# a pipe, /dev/stdin, a process substitution or a FIFO gives the same result as the file itself.
# Each case compares the output byte for byte with the file's (fixed seed, one thread).
SAME=(--seed 7 --threads 1 --quiet "${FAST[@]}")
# same_output NAME REFERENCE_OUTPUT ARGS...: tsne ARGS --output $WORK/p.csv succeeds (within 120 s)
# and writes exactly REFERENCE_OUTPUT.
same_output() {
    local name=$1 ref=$2
    shift 2
    rm -f "$WORK/p.csv"
    timeout 120 "$TSNE" "$@" --output "$WORK/p.csv" "${SAME[@]}" 2>"$WORK/stderr"
    local status=$?
    if [ "$status" -ne 0 ]; then
        bad "$name" "exit status $status: $(head -c 300 "$WORK/stderr")"
    elif ! cmp -s "$ref" "$WORK/p.csv"; then
        bad "$name" "output differs from the file's ($(wc -l <"$WORK/p.csv") lines, $(wc -l <"$ref") expected)"
    else
        ok "$name"
    fi
}
slow_pipe() { head -n 1 "$1"; sleep 0.3; tail -n +2 "$1"; }      # a pause after the first line
slow_bytes() { head -c 100 "$1"; sleep 0.3; tail -c +101 "$1"; }  # a pause inside a binary header
# feed CMD...: CMD's output into the FIFO $WORK/in.fifo from the background; fed: stop it if the
# reader never came (so a failing case cannot leave a writer blocked in open).
feed() { "$@" >"$WORK/in.fifo" 2>/dev/null & writer=$!; }
fed() { kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null; }
"$TSNE" --input "$WORK/small.csv" --output "$WORK/ref_small.csv" "${SAME[@]}" 2>/dev/null
"$TSNE" --input "$WORK/f32.npy" --output "$WORK/ref_f32.csv" "${SAME[@]}" 2>/dev/null
"$TSNE" --input "$WORK/f64.npy" --output "$WORK/ref_f64.csv" "${SAME[@]}" 2>/dev/null
slow_pipe "$WORK/small.csv" | same_output "CSV through a slow pipe as /dev/stdin: all rows" "$WORK/ref_small.csv" \
    --input /dev/stdin
same_output "CSV as a process substitution" "$WORK/ref_small.csv" --input <(slow_pipe "$WORK/small.csv")
same_output "CSV on stdin redirected from the file" "$WORK/ref_small.csv" --input /dev/stdin <"$WORK/small.csv"
mkfifo "$WORK/in.fifo"
feed slow_pipe "$WORK/small.csv"
same_output "CSV through a FIFO" "$WORK/ref_small.csv" --input "$WORK/in.fifo"
fed
slow_bytes "$WORK/f32.npy" | same_output "float32 .npy through a slow pipe" "$WORK/ref_f32.csv" --input /dev/stdin
same_output "float64 .npy as a process substitution" "$WORK/ref_f64.csv" --input <(slow_bytes "$WORK/f64.npy")
feed slow_bytes "$WORK/f32.npy"
same_output "float32 .npy through a FIFO" "$WORK/ref_f32.csv" --input "$WORK/in.fifo"
fed
feed head -c 1000 "$WORK/f32.npy"
WANT='in.fifo: truncated .npy data' expect_failure ".npy cut short in a FIFO" 1 --input "$WORK/in.fifo" --output "$OUT"
fed
"$TSNE" --input "$WORK/raw.f32" --shape 150,64 --output "$WORK/ref_raw.csv" "${SAME[@]}" 2>/dev/null
same_output "raw float32 through a pipe" "$WORK/ref_raw.csv" --input <(slow_bytes "$WORK/raw.f32") --shape 150,64
# (--labels needs a use: --report; a lost label would be a count mismatch, exit 1)
same_output "labels through a slow pipe (all 150 kept)" "$WORK/ref_small.csv" --input "$WORK/small.csv" \
    --labels <(slow_pipe "$WORK/small_labels.txt") --report "$WORK/r.json"
feed slow_pipe "$WORK/small_labels.txt"
same_output "labels through a FIFO" "$WORK/ref_small.csv" --input "$WORK/small.csv" --labels "$WORK/in.fifo" \
    --report "$WORK/r.json"
fed
for spec in "distances dist.csv --perplexity 5" "distances dist.npy --perplexity 5" "knn-graph knn.csv --perplexity 5" \
    "knn-graph knn.npy --perplexity 5" "affinities aff.csv"; do
    set -- $spec
    kind=$1 file=$2
    shift 2
    "$TSNE" --"$kind" "$WORK/$file" --output "$WORK/ref_pre.csv" "${SAME[@]}" "$@" 2>/dev/null
    same_output "--$kind $file through a slow pipe" "$WORK/ref_pre.csv" --"$kind" <(slow_bytes "$WORK/$file") "$@"
done
if "$TSNE" --input "$WORK/images.idx.gz" --output "$WORK/ref_idx.csv" "${SAME[@]}" 2>/dev/null; then
    same_output "gzip IDX through a slow pipe" "$WORK/ref_idx.csv" --input <(slow_bytes "$WORK/images.idx.gz")
fi
"$TSNE" --input "$WORK/small.csv" "${FAST[@]}" --save-state "$WORK/pstate.bin" --quiet 2>/dev/null
"$TSNE" --load-state "$WORK/pstate.bin" --iterations 20 --output "$WORK/ref_state.csv" --quiet 2>/dev/null
rm -f "$WORK/p.csv"
if timeout 120 "$TSNE" --load-state <(slow_bytes "$WORK/pstate.bin") --iterations 20 --output "$WORK/p.csv" --quiet \
    2>"$WORK/stderr" && cmp -s "$WORK/p.csv" "$WORK/ref_state.csv"; then ok "--load-state through a slow pipe"
else bad "--load-state through a slow pipe" "$(head -c 300 "$WORK/stderr")"; fi

# A line longer than 16 MiB (here /dev/zero, then a newline-less 20 MB file) fails fast, naming the limit.
WANT='/dev/zero: line 1 is longer than 16777216 bytes' \
    expect_failure "/dev/zero as CSV: bounded line length" 1 --input /dev/zero --output "$OUT"
head -c 20000000 /dev/zero | tr '\0' '7' >"$WORK/longline.csv"
WANT='longline.csv: line 1 is longer than' \
    expect_failure "a 20 MB line" 1 --input "$WORK/longline.csv" --output "$OUT"
WANT='line 1 is longer than' \
    expect_failure "/dev/zero as labels" 1 --input "$WORK/small.csv" --labels /dev/zero --output "$OUT" \
    --report "$WORK/fail/r.json"
rm -f "$WORK/longline.csv"

# A memory-mapped .npy shortened while the run uses it: a clean bad-input error, not SIGBUS. The
# labels FIFO holds the run between mapping --input and using it: the file is truncated then.
# To 0 bytes (reads past the end raise SIGBUS) and by 100 bytes (inside the last page: no SIGBUS).
head -n 150 "$DATA/digits_labels.csv" >"$WORK/lab150.txt"
for size in 0 -100; do
    name="memory-mapped .npy truncated during the run (truncate -s $size)"
    cp "$WORK/mapped.npy" "$WORK/shrink.npy"
    rm -rf "$WORK/fail" && mkdir -p "$WORK/fail"
    [ "$size" = 0 ] || size=$(($(wc -c <"$WORK/mapped.npy") - 100))
    # The FIFO's open returns once tsne, having mapped --input, opens --labels; then the truncation.
    (exec 3>"$WORK/in.fifo" && truncate -s "$size" "$WORK/shrink.npy" && cat "$WORK/lab150.txt" >&3) 2>/dev/null &
    writer=$!
    timeout 120 "$TSNE" --input "$WORK/shrink.npy" --labels "$WORK/in.fifo" --output "$OUT" \
        --report "$WORK/fail/r.json" "${SAME[@]}" 2>"$WORK/stderr"
    status=$?
    fed
    if [ "$status" -eq 1 ] && [ "$(wc -l <"$WORK/stderr")" -eq 1 ] &&
        grep -q '^tsne: error: .*shrink.npy: was truncated while in use' "$WORK/stderr" &&
        [ -z "$(ls -A "$WORK/fail")" ]; then ok "$name"
    else bad "$name" "exit status $status, files: $(ls -A "$WORK/fail"): $(head -c 300 "$WORK/stderr")"; fi
done
rm -f "$WORK/in.fifo"

# Tab-, space- and semicolon-separated text is read like CSV (the delimiter detected from the
# first data line, a header line in the same style skipped): byte-identical embeddings.
for d in tab space semicolon; do
    case $d in tab) sep=$'\t' ;; space) sep='  ' ;; semicolon) sep=';' ;; esac
    sed "s/,/$sep/g" "$WORK/small.csv" >"$WORK/small.$d"
    same_output "$d-separated input" "$WORK/ref_small.csv" --input "$WORK/small.$d"
    sed "s/,/$sep/g" "$WORK/header150.csv" >"$WORK/header150.$d"
    same_output "$d-separated input with a header line" "$WORK/ref_small.csv" --input "$WORK/header150.$d"
done
tr ',' '\t' <"$WORK/dist.csv" >"$WORK/dist.tsv"
tr ',' ' ' <"$WORK/knn.csv" >"$WORK/knn.txt"
tr ',' '\t' <"$WORK/aff.csv" >"$WORK/aff.tsv"
for spec in "distances dist.csv dist.tsv --perplexity 5" "knn-graph knn.csv knn.txt --perplexity 5" \
    "affinities aff.csv aff.tsv"; do
    set -- $spec
    kind=$1 file=$2 other=$3
    shift 3
    "$TSNE" --"$kind" "$WORK/$file" --output "$WORK/ref_pre.csv" "${SAME[@]}" "$@" 2>/dev/null
    same_output "--$kind as $other = as $file" "$WORK/ref_pre.csv" --"$kind" "$WORK/$other" "$@"
done
{ head -n 3 "$WORK/small.csv"; sed -n 4p "$WORK/small.csv" | tr ',' '\t'; tail -n +5 "$WORK/small.csv"; } >"$WORK/mixed.csv"
WANT='mixed.csv: line 4: values separated by tabs, but line 1 separates them by commas' \
    expect_failure "mixed delimiters" 1 --input "$WORK/mixed.csv" --output "$OUT"
{ head -n 9 "$WORK/small.tab"; sed -n 10p "$WORK/small.csv"; tail -n +11 "$WORK/small.tab"; } >"$WORK/mixed.tsv"
WANT='mixed.tsv: line 10: values separated by commas, but line 1 separates them by tabs' \
    expect_failure "a comma line in a TSV file" 1 --input "$WORK/mixed.tsv" --output "$OUT"
printf '1|2|3\n4|5|6\n' >"$WORK/pipes.csv"
WANT='values are separated by commas, tabs, semicolons or spaces' \
    expect_failure "an unknown delimiter" 1 --input "$WORK/pipes.csv" --output "$OUT"


# ---- outputs that collide, signals, all-or-none commits, replaced files, --animate memory -------
# Outputs naming the same file (by resolved path and inode, frame names included) or an input are
# refused before any work, with exit 2.
C="$WORK/coll"
mkdir -p "$C/dir"
cp "$WORK/small.csv" "$C/in.csv"
cp "$WORK/small.csv" "$C/fr2.csv"
ln "$C/in.csv" "$C/in_hard.csv"
cp "$WORK/small_labels.txt" "$C/labels.txt"
echo keep >"$C/x.csv"
ln "$C/x.csv" "$C/x_hard.csv"
ln -s x.csv "$C/x_sym.csv"
ln -s "$C" "$C/dirlink"
cp "$WORK/state.bin" "$C/state.bin"
cp "$WORK/refY.csv" "$C/refY.csv"
WANT='--output and --animate (frame 0) must be different files' \
    expect_failure "--output f_0.png with --animate f_%d.png" 2 --input "$WORK/small.csv" \
    --output "$WORK/fail/f_0.png" --animate "$WORK/fail/f_%d.png"
WANT='--plot and --animate (frame 7) must be different files' \
    expect_failure "--plot on a later frame of --animate" 2 --input "$WORK/small.csv" --snapshots 5 \
    --plot "$WORK/fail/f_07.png" --animate "$WORK/fail/f_%02d.png"
WANT='--animate: --iterations 100000000 with --snapshots 1 makes up to 100000002 frames' \
    expect_failure "--animate with 10^8 frames" 2 --input "$WORK/small.csv" --animate "$WORK/fail/f_%d.png" \
    --iterations 100000000 --snapshots 1
WANT='--plot and --html must be different files' \
    expect_failure "--plot and --html on one file" 2 --input "$WORK/small.csv" --plot "$WORK/fail/p.html" \
    --html "$WORK/fail/./p.html"
WANT='--html needs --dims 2 or 3' \
    expect_failure "--html with --dims 1" 2 --input "$WORK/small.csv" --dims 1 --html "$WORK/fail/p.html"
WANT='--html: .*/no/such/dir/p.html: cannot create' \
    expect_failure "--html into a missing directory" 3 --input "$WORK/small.csv" --html "$WORK/fail/no/such/dir/p.html"
WANT='--output and --report must be different files' \
    expect_failure "--output a.csv with --report ./a.csv" 2 --input "$WORK/small.csv" --output "$WORK/fail/a.csv" \
    --report "$WORK/fail/./a.csv"
WANT='--plot and --save-state must be different files' \
    expect_failure "outputs equal after .." 2 --input "$WORK/small.csv" --plot "$WORK/fail/p.png" \
    --save-state "$WORK/fail/../fail/p.png"
WANT='--animate: the frame name .* bytes long' \
    expect_failure "--animate f_%999d.png (names cut to one)" 2 --input "$WORK/small.csv" --animate "$WORK/fail/f_%999d.png"
WANT='--output and --report must be different files' \
    expect_failure "outputs that are hard links of one file" 2 --input "$WORK/small.csv" --output "$C/x.csv" \
    --report "$C/x_hard.csv"
WANT='--output and --plot must be different files' \
    expect_failure "an output and a symbolic link to it" 2 --input "$WORK/small.csv" --output "$C/x_sym.csv" \
    --plot "$C/x.csv"
WANT='--output and --save-knn must be different files' \
    expect_failure "outputs through a linked directory" 2 --input "$WORK/small.csv" --output "$C/x.csv" \
    --save-knn "$C/dirlink/x.csv"
WANT='--output .* would overwrite the input --input' \
    expect_failure "--output is the input" 2 --input "$C/in.csv" --output "$C/in.csv"
WANT='--report .* would overwrite the input --input' \
    expect_failure "--report is a hard link of the input" 2 --input "$C/in.csv" --report "$C/in_hard.csv"
WANT='--plot .* would overwrite the input --labels' \
    expect_failure "--plot is the labels file" 2 --input "$C/in.csv" --labels "$C/labels.txt" --plot "$C/labels.txt"
WANT='--save-state .* would overwrite the input --load-state' \
    expect_failure "--save-state is the --load-state file" 2 --load-state "$C/state.bin" --save-state "$C/state.bin"
WANT='--output .* would overwrite the input --reference-embedding' \
    expect_failure "transform output onto its reference embedding" 2 --input "$WORK/new.csv" \
    --reference-data "$WORK/ref.csv" --reference-embedding "$C/refY.csv" --output "$C/refY.csv"
WANT='--animate (frame 2) .* would overwrite the input --input' \
    expect_failure "a frame of --animate is the input" 2 --input "$C/fr2.csv" --animate "$C/fr%d.csv"
if cmp -s "$C/in.csv" "$WORK/small.csv" && cmp -s "$C/fr2.csv" "$WORK/small.csv" && [ ! -e "$C/fr0.csv" ] && cmp -s "$C/labels.txt" "$WORK/small_labels.txt" &&
    cmp -s "$C/state.bin" "$WORK/state.bin" && cmp -s "$C/refY.csv" "$WORK/refY.csv" &&
    [ "$(cat "$C/x.csv")" = keep ] && [ -z "$(find "$C" -name '.*')" ]; then
    ok "refused collisions leave every file as it was"
else
    bad "refused collisions leave every file as it was" "$(ls -la "$C")"
fi
run_check "outputs in one directory through two names of it, and /dev/null twice, are fine" \
    'check_csv x "$C/o.csv" 150 2 && [ -s "$C/dirlink/r.json" ]' --input "$WORK/small.csv" "${FAST[@]}" --quiet \
    --output "$C/o.csv" --report "$C/dirlink/r.json" --plot /dev/null --save-knn /dev/null

# run_signal SIG: a long run killed by SIG dies of it (status 128 + number) and leaves no file, no
# hidden temporary, in the output directory. The run is started with the default dispositions
# (a background job of a script ignores SIGINT).
# wait_bounded PID SECONDS: wait for a background tsne, killed after SECONDS (a regression that
# misses a signal or a FIFO must not hang the suite); returns its exit status.
wait_bounded() {
    local pid=$1 i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
run_signal() {
    local sig=$1 dir="$WORK/sig_$1" pid status n
    rm -rf "$dir"
    mkdir -p "$dir"
    "$PY" -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$TSNE" --input "$DATA/digits.csv" --iterations 100000 --output "$dir/o.csv" \
        --report "$dir/r.json" --save-state "$dir/s.bin" --animate "$dir/f_%d.png" --quiet 2>"$WORK/stderr" &
    pid=$!
    for _ in $(seq 1 100); do
        [ "$(find "$dir" -name '.*tmp*' | wc -l)" -ge 4 ] && break
        sleep 0.1
    done
    sleep 0.5
    kill -s "$sig" "$pid"
    wait_bounded "$pid" 60  # no "Hangup" line from the shell
    status=$?
    n=$((128 + $(kill -l "$sig")))
    if [ "$status" -ne "$n" ]; then bad "SIG$sig: temporaries deleted" "exit status $status, expected $n"
    elif [ -n "$(ls -A "$dir")" ]; then bad "SIG$sig: temporaries deleted" "left $(ls -A "$dir" | tr '\n' ' ')"
    else ok "SIG$sig: temporaries deleted, the process dies of the signal ($status)"; fi
}
for sig in INT TERM HUP; do run_signal "$sig"; done

# All or none: when the last output cannot be written, none of the others is (new ones not
# created, existing ones unchanged), and no temporary stays.
A="$WORK/aon"
rm -rf "$A"
mkdir -p "$A"
echo old >"$A/r.json"
if [ -c /dev/full ]; then
    "$TSNE" --input "$WORK/small.csv" "${FAST[@]}" --quiet --plot "$A/p.png" --report "$A/r.json" \
        --save-state "$A/s.bin" --output /dev/full 2>"$WORK/stderr"
    status=$?
    if [ "$status" -eq 3 ] && [ "$(ls -A "$A")" = r.json ] && [ "$(cat "$A/r.json")" = old ]; then
        ok "a failing last output (/dev/full) leaves none of the others"
    else
        bad "a failing last output (/dev/full) leaves none of the others" "status $status, $(ls -A "$A" | tr '\n' ' ')"
    fi
fi
# The destination of --output becomes a directory during the run: found when committing. The
# outputs' temporaries are made before the inputs are read, so a labels FIFO holds the run there
# until the directory exists (no race with a fast machine).
rm -f "$WORK/hold.fifo"
mkfifo "$WORK/hold.fifo"
"$TSNE" --input "$WORK/small.csv" "${FAST[@]}" --quiet --labels "$WORK/hold.fifo" --plot "$A/p.png" \
    --report "$A/r.json" --output "$A/o.csv" 2>"$WORK/stderr" &
pid=$!
for _ in $(seq 1 100); do
    [ -n "$(find "$A" -name '.o.csv.tmp*')" ] && break
    sleep 0.05
done
mkdir "$A/o.csv"
timeout 30 sh -c 'cat "$1" >"$2"' sh "$WORK/small_labels.txt" "$WORK/hold.fifo"
wait_bounded "$pid" 120
status=$?
if [ "$status" -eq 3 ] && [ "$(ls -A "$A" | tr '\n' ' ')" = "o.csv r.json " ] && [ "$(cat "$A/r.json")" = old ] &&
    [ "$(wc -l <"$WORK/stderr")" -eq 1 ] && grep -q '^tsne: error: .*o.csv' "$WORK/stderr"; then
    ok "an output that cannot be moved into place leaves none of the others"
else
    bad "an output that cannot be moved into place leaves none of the others" \
        "status $status, $(ls -A "$A" | tr '\n' ' '), $(head -c 200 "$WORK/stderr")"
fi
rmdir "$A/o.csv"
# A rename that fails after others were done (an immutable file, where chattr works): the ones
# done are undone.
echo old >"$A/o.csv"
if chattr +i "$A/o.csv" 2>/dev/null; then
    "$TSNE" --input "$WORK/small.csv" "${FAST[@]}" --quiet --plot "$A/p.png" --report "$A/r.json" \
        --output "$A/o.csv" 2>"$WORK/stderr"
    status=$?
    chattr -i "$A/o.csv"
    if [ "$status" -eq 3 ] && [ "$(ls -A "$A" | tr '\n' ' ')" = "o.csv r.json " ] && [ "$(cat "$A/r.json")" = old ] &&
        [ "$(cat "$A/o.csv")" = old ]; then
        ok "a rename failing half-way rolls back the outputs already moved"
    else
        bad "a rename failing half-way rolls back the outputs already moved" "status $status, $(ls -A "$A" | tr '\n' ' ')"
    fi
fi
WANT='x.csv' expect_failure "an output under a regular file, with others" 3 --input "$WORK/small.csv" \
    --plot "$WORK/fail/p.png" --report "$WORK/fail/r.json" --output "$WORK/small.csv/x.csv"

# A replaced file keeps its mode; one with a hard link, or behind a symbolic link, is rewritten in
# place: the links see the new content.
R="$WORK/replace"
rm -rf "$R"
mkdir -p "$R"
echo old >"$R/o.csv"
chmod 640 "$R/o.csv"
ln "$R/o.csv" "$R/o_link.csv"
echo old >"$R/r.json"
chmod 640 "$R/r.json"
echo old >"$R/real.png"
ln -s real.png "$R/p.png"
if "$TSNE" --input "$WORK/small.csv" "${FAST[@]}" --quiet --output "$R/o.csv" --report "$R/r.json" --plot "$R/p.png" \
    2>"$WORK/stderr"; then
    if [ "$(stat -c %a "$R/o.csv")" = 640 ] && [ "$(stat -c %a "$R/r.json")" = 640 ] &&
        [ "$(stat -c %h "$R/o.csv")" = 2 ] && cmp -s "$R/o.csv" "$R/o_link.csv" && check_csv x "$R/o_link.csv" 150 2; then
        ok "a replaced file keeps its mode 0640 and its hard link sees the new content"
    else
        bad "a replaced file keeps its mode 0640 and its hard link sees the new content" "$(ls -la "$R")"
    fi
    if [ -L "$R/p.png" ] && is_png "$R/real.png" && [ -z "$(find "$R" -name '.*')" ]; then
        ok "an output behind a symbolic link: the link stays, its target gets the content"
    else
        bad "an output behind a symbolic link: the link stays, its target gets the content" "$(ls -la "$R")"
    fi
else
    bad "replacing files with links" "$(head -c 300 "$WORK/stderr")"
fi

# --animate streams its frames: the peak memory does not grow with the number of frames (a
# 101-frame GIF at 600 px was ~100 MB when every frame was kept, 2 bytes a pixel).
rss=$("$PY" - "$TSNE" "$WORK/small.csv" "$WORK/many.gif" <<'PYEOF'
import resource, subprocess, sys
t, x, gif = sys.argv[1:]
subprocess.run([t, "--input", x, "--iterations", "500", "--exaggeration-iterations", "100", "--animate", gif,
                "--snapshots", "5", "--animate-size", "600", "--quiet"], check=True)
b = open(gif, "rb").read()  # count the frames: walk the blocks (gifcheck.py decodes the small GIFs)
pos, frames = 13 + 768, 0
while b[pos] != 0x3B:
    frames += b[pos] == 0x2C
    pos += 2 if b[pos] == 0x21 else 11
    while b[pos]: pos += b[pos] + 1
    pos += 1
print(frames, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PYEOF
)
frames=${rss% *}
rss=${rss#* }
if [ "$frames" = 101 ] && [ -n "$rss" ] && [ "$rss" -lt 60 ]; then
    ok "--animate GIF of 101 frames in $rss MB"
else
    bad "--animate GIF of 101 frames in bounded memory" "${frames:-?} frames, peak ${rss:-?} MB (limit 60)"
fi

# PNG frames are closed as they are written: more frames than the open-file limit allows at once.
mkdir -p "$WORK/manyframes"
if (ulimit -n 128 && "$TSNE" --input "$WORK/small.csv" --iterations 200 --exaggeration-iterations 50 --snapshots 1 \
    --animate "$WORK/manyframes/f_%03d.png" --animate-size 100 --quiet 2>"$WORK/stderr") &&
    [ "$(ls -A "$WORK/manyframes" | wc -l)" -eq 201 ] && [ -z "$(find "$WORK/manyframes" -name '.*')" ]; then
    ok "201 PNG frames with at most 128 open files"
else
    bad "201 PNG frames with at most 128 open files" "$(ls -A "$WORK/manyframes" | wc -l) files: $(head -c 200 "$WORK/stderr")"
fi

# --animate-size below the plot's 200 px minimum: the GIF takes the frames' size (was exit 3).
run_check "--animate GIF at --animate-size 100" '[ "$("$PY" "$WORK/gifcheck.py" "$WORK/a100.gif")" = "4 200 200" ]' \
    --input "$WORK/small.csv" --animate "$WORK/a100.gif" --snapshots 10 --animate-size 100 --quiet \
    --iterations 30 --exaggeration-iterations 10

# ---- numerics (issue 18, items 2 and 7): extreme magnitudes, absurd settings --------------------
# The first 150 digits as float64 .npy scaled by 1, 2^600 (exact), 1e160, 1e-160 and 3e-312
# (subnormal), and as float32 CSV scaled by 1e-40 (subnormal): the same picture, or a named error.
(cd "$WORK" && "$PY" - "$DATA/digits.csv") <<'EOF'
import struct, sys
rows = [[float(v) for v in l.split(",")] for l in open(sys.argv[1]).read().split("\n")[:150] if l.strip()]
def npy(path, scale):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (len(rows), len(rows[0]))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        for r in rows:
            f.write(struct.pack("<%dd" % len(r), *[v * scale for v in r]))
for name, scale in [("x1", 1.0), ("x2p600", 2.0 ** 600), ("x1e160", 1e160), ("x1em160", 1e-160), ("xsub", 3e-312)]:
    npy("scaled_" + name + ".npy", scale)
with open("sub32.csv", "w") as f:
    for r in rows:
        f.write(",".join("%.9g" % (v * 1e-40) for v in r) + "\n")
EOF
trust() { sed -n 's/.*"trustworthiness10": \([0-9.]*\).*/\1/p' "$1"; }
if "$TSNE" --input "$WORK/scaled_x1.npy" --output "$WORK/sc_x1.csv" --report "$WORK/sc_x1.json" --quiet "${FAST[@]}" \
    2>"$WORK/stderr"; then
    t1=$(trust "$WORK/sc_x1.json")
    for name in x2p600 x1e160 x1em160 xsub; do
        if ! "$TSNE" --input "$WORK/scaled_$name.npy" --output "$WORK/sc_$name.csv" --report "$WORK/sc_$name.json" \
            --quiet "${FAST[@]}" 2>"$WORK/stderr"; then
            bad "float64 data x $name" "exit status $?: $(head -c 300 "$WORK/stderr")"
            continue
        fi
        t=$(trust "$WORK/sc_$name.json")
        if [ "$name" = x2p600 ] && ! cmp -s "$WORK/sc_x1.csv" "$WORK/sc_$name.csv"; then
            bad "float64 data x 2^600 gives the same embedding bit for bit" "outputs differ"
        elif check_csv "float64 data x $name" "$WORK/sc_$name.csv" 150 2 &&
            awk -v a="$t" -v b="$t1" 'BEGIN { exit !(a != "" && a >= b - 0.02) }'; then
            ok "float64 data x $name: trustworthiness $t (unscaled $t1)"
        else
            bad "float64 data x $name" "trustworthiness $t, unscaled $t1 (0.5 = garbage)"
        fi
    done
else
    bad "float64 data x 1" "$(head -c 300 "$WORK/stderr")"
fi
expect_success "float32 CSV of subnormal values (1e-40 scale) does not crash" 150 2 --input "$WORK/sub32.csv"
# --learning-rate 1e30: the clip keeps the step at --max-step-norm, the run moves (not the start).
"$TSNE" --input "$WORK/small.csv" --output "$WORK/lr0.csv" --iterations 0 --quiet 2>/dev/null
if "$TSNE" --input "$WORK/small.csv" --output "$WORK/lr30.csv" --learning-rate 1e30 --quiet "${FAST[@]}" 2>"$WORK/stderr" &&
    check_csv "--learning-rate 1e30" "$WORK/lr30.csv" 150 2 && ! cmp -s "$WORK/lr0.csv" "$WORK/lr30.csv"; then
    ok "--learning-rate 1e30 is clipped, not a no-op"
else
    bad "--learning-rate 1e30 is clipped, not a no-op" "output equals the initial layout or failed: $(head -c 200 "$WORK/stderr")"
fi
WANT='PCA init std 1e-300' expect_failure "--init-std 1e-300 (points would be identical)" 1 --input "$WORK/small.csv" \
    --init-std 1e-300 --output "$OUT"
WANT='random init std 1e-300' expect_failure "--init random --init-std 1e-300" 1 --input "$WORK/scaled_x1.npy" \
    --init random --init-std 1e-300 --output "$OUT"
WANT='likely cause: the initial layout is too large' expect_failure "divergence from --init-std 1e6 names the init" 4 \
    --input "$WORK/small.csv" --init-std 1e6 --output "$OUT"
# --threads far above the cores: capped, the same result.
"$TSNE" --input "$WORK/small.csv" --output "$WORK/t1.csv" --threads 1 --quiet "${FAST[@]}" 2>/dev/null
if "$TSNE" --input "$WORK/small.csv" --output "$WORK/t4096.csv" --threads 4096 --quiet "${FAST[@]}" 2>"$WORK/stderr" &&
    cmp -s "$WORK/t1.csv" "$WORK/t4096.csv"; then
    ok "--threads 4096 is capped and gives the --threads 1 result"
else
    bad "--threads 4096 is capped and gives the --threads 1 result" "$(head -c 300 "$WORK/stderr")"
fi

# ---- issue 21: image maps (--images, --image-data, --image-shape, --image-grid) --------------------
# Test images, 150 (one per row of small.csv), 4 x 4 RGB: the top-left 2 x 2 quadrant a colour
# unique to the image, (i % 256, i / 256 + 1, 77), the other quadrants black, white and red, so a
# drawn image can be found in the PNG and checked pixel for pixel (with --image-size 8 each pixel
# is a 2 x 2 block). imgtool.py writes them (.npy uint8 and float32, IDX), and reads the PNG back
# (zlib + PNG filters, standard library only).
cat >"$WORK/imgtool.py" <<'EOF'
import math, random, struct, sys, zlib

def npy(path, dtype, shape, values):
    fmt = {"|u1": "B", "<f4": "<f", "<f8": "<d", "<i4": "<i"}[dtype]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        dtype, "".join("%d, " % s for s in shape))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(b"".join(struct.pack(fmt, v) for v in values))

def idx(path, shape, values):
    with open(path, "wb") as f:
        f.write(bytes([0, 0, 8, len(shape)]) + b"".join(struct.pack(">I", s) for s in shape) + bytes(values))

def test_image(i):  # 4 x 4 x 3 bytes, row-major, channel last
    quad = [(i % 256, i // 256 + 1, 77), (0, 0, 0), (255, 255, 255), (200, 30, 30)]
    return [c for y in range(4) for x in range(4) for c in quad[(y >= 2) * 2 + (x >= 2)]]

def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype == 2, "expected 8-bit RGB"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * 3, [], bytearray(w * 3)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - 3] if x >= 3 else 0
            b, c = prev[x], prev[x - 3] if x >= 3 else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, rows

def found_images(path, n, side=8):
    """Images drawn whole: {i: (x0, y0)} where the side x side window equals image i enlarged."""
    w, h, rows = read_png(path)
    first = {}
    for y in range(h):
        r = rows[y]
        for x in range(w):
            px = (r[3 * x], r[3 * x + 1], r[3 * x + 2])
            if px[2] == 77 and px[1] >= 1:
                i = px[0] + 256 * (px[1] - 1)
                if i < n and i not in first: first[i] = (x, y)
    whole = {}
    for i, (x0, y0) in first.items():
        img, k = test_image(i), side // 4
        if x0 + side > w or y0 + side > h: continue
        if all(tuple(rows[y0 + y][3 * (x0 + x):3 * (x0 + x) + 3]) == tuple(img[3 * (4 * (y // k) + x // k):3 * (4 * (y // k) + x // k) + 3])
               for y in range(side) for x in range(side)):
            whole[i] = (x0, y0)
    return whole, rows

def embedding(path):
    return [tuple(map(float, line.split(","))) for line in open(path)]

cmd = sys.argv[1]
if cmd == "write":
    n = 150
    pix = [v for i in range(n) for v in test_image(i)]
    npy("img_u8.npy", "|u1", (n, 4, 4, 3), pix)
    npy("img_f32.npy", "<f4", (n, 4, 4, 3), [v / 255 for v in pix])
    npy("img_rows.npy", "|u1", (n, 48), pix)
    idx("img.idx", (n, 4, 4, 3), pix)
    idx("img_bad_channels.idx", (n, 4, 4, 2), [0] * (n * 32))
    npy("img_u8_10.npy", "|u1", (10, 4, 4), [0] * 160)
    npy("img_u8_60.npy", "|u1", (60, 4, 4, 3), pix[:60 * 48])
    npy("img_2d.npy", "|u1", (n, 16), [0] * (n * 16))
    npy("img_i4.npy", "<i4", (n, 4, 4), [0] * (n * 16))
    npy("img_big.npy", "<f4", (n, 2, 2), [1.5 if k == 7 else 0.5 for k in range(n * 4)])
    npy("img_nan.npy", "<f8", (n, 2, 2), [float("nan") if k == 9 else 0.5 for k in range(n * 4)])
    with open("img_trunc.npy", "wb") as f: f.write(open("img_u8.npy", "rb").read()[:-100])
    npy("img_wide.npy", "|u1", (n, 1, 4097), [0] * (n * 4097))
    # The digits' rows as the pixels --image-shape 8,8 makes of them: v x 255 / max (0 stays black).
    rows = [list(map(float, line.split(","))) for line in open("small.csv")]
    top = max(max(r) for r in rows)
    npy("digits_u8.npy", "|u1", (len(rows), 8, 8), [int(math.floor(v * 255 / top + 0.5)) for r in rows for v in r])
elif cmd == "positions":  # PNG, embedding: images found whole, drawn where the embedding puts them
    whole, _ = found_images(sys.argv[2], 150)
    Y = embedding(sys.argv[3])
    if len(whole) < 40: sys.exit("only %d of 150 images drawn whole" % len(whole))
    # Least squares px = a x + b, py = c y + d over the found centres; the residual must be < 1 px.
    for axis in (0, 1):
        pts = [(Y[i][axis], whole[i][axis] + 4) for i in whole]
        m = len(pts); sx = sum(p for p, _ in pts); sy = sum(q for _, q in pts)
        sxx = sum(p * p for p, _ in pts); sxy = sum(p * q for p, q in pts)
        a = (m * sxy - sx * sy) / (m * sxx - sx * sx); b = (sy - a * sx) / m
        worst = max(abs(a * p + b - q) for p, q in pts)
        if worst > 1.0 or (a > 0) != (axis == 0):
            sys.exit("axis %d: pixel = %.3f * coordinate + %.1f, worst residual %.2f px" % (axis, a, b, worst))
    print(len(whole))
elif cmd == "borders":  # PNG, labels: a whole image's border has its label's colour
    whole, rows = found_images(sys.argv[2], 150)
    labels = [int(l) for l in open(sys.argv[3])]
    tab10 = [0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf]
    cat = {l: k for k, l in enumerate(sorted(set(labels)))}
    good = 0
    for i, (x0, y0) in whole.items():
        c = tab10[cat[labels[i]]]
        good += tuple(rows[y0 + 4][3 * (x0 - 1):3 * x0]) == (c >> 16, (c >> 8) & 255, c & 255)
    if len(whole) < 40 or good < 0.8 * len(whole): sys.exit("%d of %d borders in the label's colour" % (good, len(whole)))
elif cmd == "grid":  # PNG, embedding: every image once, in its own cell, neighbours kept
    whole, _ = found_images(sys.argv[2], 150)
    if len(whole) != 150: sys.exit("%d of 150 images drawn whole on the grid" % len(whole))
    xs = sorted(set(x for x, _ in whole.values())); ys = sorted(set(y for _, y in whole.values()))
    pitch = min(b - a for a, b in zip(xs, xs[1:]))
    cell = {i: ((x - xs[0]) / pitch, (y - ys[0]) / pitch) for i, (x, y) in whole.items()}
    if any(abs(v - round(v)) > 1e-9 for c in cell.values() for v in c) or len(set(cell.values())) != 150:
        sys.exit("images are not one per cell of a regular grid")
    Y = embedding(sys.argv[3])
    pairs = []
    for i in range(150):
        d = sorted(range(150), key=lambda j: (Y[i][0] - Y[j][0]) ** 2 + (Y[i][1] - Y[j][1]) ** 2)
        pairs += [(i, j) for j in d[1:11]]
    mean = lambda c: sum(math.dist(c[i], c[j]) for i, j in pairs) / len(pairs)
    ours = mean(cell)
    rnd = random.Random(1); cells = list(cell.values()); rand = 0
    for _ in range(20):
        rnd.shuffle(cells); rand += mean(dict(enumerate(cells))) / 20
    print("%.2f %.2f" % (ours, rand))
    if not ours < 0.45 * rand: sys.exit("10-NN pairs %.2f cells apart on the grid, %.2f at random" % (ours, rand))
EOF
(cd "$WORK" && "$PY" imgtool.py write) || bad "image test files" "imgtool.py write failed"
head -n 60 "$WORK/small_labels.txt" >"$WORK/labels60.txt"
IMG=(--quiet "${FAST[@]}" --input "$WORK/small.csv" --images --image-size 8)
if "$TSNE" "${IMG[@]}" --image-data "$WORK/img_u8.npy" --plot "$WORK/map.png" --output "$WORK/map.csv" 2>"$WORK/stderr" &&
    found=$(cd "$WORK" && "$PY" imgtool.py positions map.png map.csv 2>&1); then
    ok "--images --image-data uint8: $found of 150 images drawn whole, pixel for pixel, at their places"
else
    bad "--images --image-data uint8" "$(head -c 300 "$WORK/stderr") ${found:-}"
fi
run_check "--image-data float32 in [0, 1] draws the same PNG as uint8" 'cmp -s "$WORK/map.png" "$WORK/map_f.png"' \
    "${IMG[@]}" --image-data "$WORK/img_f32.npy" --plot "$WORK/map_f.png"
# The same name (the plot's title) for both: the IDX file, and its rows as .npy (found by content).
mkdir -p "$WORK/idx" "$WORK/rows" && cp "$WORK/img.idx" "$WORK/idx/imgs" && cp "$WORK/img_rows.npy" "$WORK/rows/imgs"
run_check "(the twin of the next: the rows as .npy, the images as --image-data)" 'is_png "$WORK/map_rows.png"' \
    --quiet "${FAST[@]}" --input "$WORK/rows/imgs" --image-data "$WORK/img.idx" --images --image-size 8 \
    --plot "$WORK/map_rows.png"
run_check "IDX --input of N x 4 x 4 x 3 images needs no image option" 'cmp -s "$WORK/map_idx.png" "$WORK/map_rows.png"' \
    --quiet "${FAST[@]}" --input "$WORK/idx/imgs" --images --image-size 8 --plot "$WORK/map_idx.png"
run_check "--image-data IDX draws as --image-data .npy" 'cmp -s "$WORK/map.png" "$WORK/map_idx_data.png"' \
    "${IMG[@]}" --image-data "$WORK/img.idx" --plot "$WORK/map_idx_data.png"
"$TSNE" --quiet "${FAST[@]}" --input "$WORK/small.csv" --images --image-data "$WORK/digits_u8.npy" \
    --plot "$WORK/digits_data.png" 2>/dev/null
run_check "--image-shape 8,8 on digits = their pixels scaled to 0..255 as --image-data" \
    'is_png "$WORK/digits_shape.png" && cmp -s "$WORK/digits_shape.png" "$WORK/digits_data.png"' \
    --quiet "${FAST[@]}" --input "$WORK/small.csv" --images --image-shape 8,8 --plot "$WORK/digits_shape.png"
if "$TSNE" "${IMG[@]}" --image-data "$WORK/img_u8.npy" --labels "$WORK/small_labels.txt" --plot "$WORK/map_l.png" \
    --output "$WORK/map_l.csv" 2>"$WORK/stderr" && msg=$(cd "$WORK" && "$PY" imgtool.py borders map_l.png small_labels.txt 2>&1); then
    ok "--images --labels: borders in the label's colour"
else
    bad "--images --labels: borders in the label's colour" "$(head -c 300 "$WORK/stderr") ${msg:-}"
fi
if "$TSNE" "${IMG[@]}" --image-data "$WORK/img_u8.npy" --image-grid --plot "$WORK/grid.png" --output "$WORK/grid.csv" \
    2>"$WORK/stderr" && msg=$(cd "$WORK" && "$PY" imgtool.py grid grid.png grid.csv 2>&1); then
    ok "--image-grid: each image once in its own cell; 10-NN pairs $msg cells apart (grid, random)"
else
    bad "--image-grid" "$(head -c 300 "$WORK/stderr") ${msg:-}"
fi
run_check "--images --dims 3 --plot-size 200, default image size" 'is_png "$WORK/map3.png"' \
    --quiet "${FAST[@]}" --input "$WORK/small.csv" --images --image-shape 8,8 --dims 3 --plot-size 200 \
    --image-invert --plot "$WORK/map3.png"
run_check "--images with --distances and --image-data" 'is_png "$WORK/map_d.png"' \
    --quiet "${FAST[@]}" --distances "$WORK/dist.csv" --perplexity 10 --images --image-data "$WORK/img_u8_60.npy" \
    --plot "$WORK/map_d.png" --labels "$WORK/labels60.txt"
WANT='has 150 images but --input' expect_failure "--image-data: count is not the points'" 1 \
    --input "$WORK/rows50.csv" --image-data "$WORK/img_u8.npy" --images --plot "$WORK/fail/m.png"
WANT='has 10 images but' expect_failure "--image-data: 10 images for 150 points" 1 \
    --input "$WORK/small.csv" --image-data "$WORK/img_u8_10.npy" --images --plot "$WORK/fail/m.png"
WANT='--image-shape 8,9 makes images of 72 values, but the rows of' expect_failure "--image-shape not the row length" 2 \
    --input "$WORK/small.csv" --image-shape 8,9 --images --plot "$WORK/fail/m.png"
WANT='--image-shape must be H,W or H,W,C' expect_failure "--image-shape 8,8,2" 2 \
    --input "$WORK/small.csv" --image-shape 8,8,2 --images --plot "$WORK/fail/m.png"
WANT='--image-shape must be' expect_failure "--image-shape 0,64" 2 \
    --input "$WORK/small.csv" --image-shape 0,64 --images --plot "$WORK/fail/m.png"
WANT="--image-data .*img_i4.npy: unsupported image dtype '<i4'" expect_failure "--image-data int32" 1 \
    --input "$WORK/small.csv" --image-data "$WORK/img_i4.npy" --images --plot "$WORK/fail/m.png"
WANT='images must be an array of N x H x W' expect_failure "--image-data 2-D" 1 \
    --input "$WORK/small.csv" --image-data "$WORK/img_2d.npy" --images --plot "$WORK/fail/m.png"
WANT='images must be an array of N x H x W' expect_failure "--image-data IDX with 2 channels" 1 \
    --input "$WORK/small.csv" --image-data "$WORK/img_bad_channels.idx" --images --plot "$WORK/fail/m.png"
WANT='value 1.5 in image 1 (0-based) is not in \[0, 1\]' expect_failure "--image-data float above 1" 1 \
    --input "$WORK/small.csv" --image-data "$WORK/img_big.npy" --images --plot "$WORK/fail/m.png"
WANT='value nan in image 2' expect_failure "--image-data NaN" 1 \
    --input "$WORK/small.csv" --image-data "$WORK/img_nan.npy" --images --plot "$WORK/fail/m.png"
WANT='truncated or corrupt .npy data' expect_failure "--image-data truncated" 1 \
    --input "$WORK/small.csv" --image-data "$WORK/img_trunc.npy" --images --plot "$WORK/fail/m.png"
WANT='--images needs images: give --image-data' expect_failure "--images without a source of images" 2 \
    --input "$WORK/small.csv" --images --plot "$WORK/fail/m.png"
WANT='--images needs --image-data FILE with --distances' expect_failure "--images with --distances, no --image-data" 2 \
    --distances "$WORK/dist.csv" --images --plot "$WORK/fail/m.png"
WANT='--image-shape takes the images from the rows of --input; --knn-graph has no rows' \
    expect_failure "--image-shape with --knn-graph" 2 --knn-graph "$WORK/knn.csv" --image-shape 8,8 --output "$OUT"
WANT='--image-shape and --image-data exclude each other' expect_failure "--image-shape with --image-data" 2 \
    --input "$WORK/small.csv" --image-shape 8,8 --image-data "$WORK/img_u8.npy" --output "$OUT"
WANT='--images draws on --plot' expect_failure "--images without --plot" 2 \
    --input "$WORK/small.csv" --image-shape 8,8 --images --output "$OUT"
for opt in --image-grid --image-invert "--image-size 20"; do
    WANT="${opt%% *} needs --images" expect_failure "$opt without --images" 2 \
        --input "$WORK/small.csv" --image-shape 8,8 $opt --plot "$WORK/fail/m.png"
done
WANT='--color does not apply to --images' expect_failure "--images --color distortion" 2 \
    --input "$WORK/small.csv" --image-shape 8,8 --images --color distortion --plot "$WORK/fail/m.png"
WANT='--html: images of 4097 x 1 pixels are too large for the page' expect_failure "--html with images wider than 4096" 1 \
    --input "$WORK/small.csv" --image-data "$WORK/img_wide.npy" --html "$WORK/fail/p.html"
expect_success "--images --color distortion with --html (the colouring is the page's)" 150 2 \
    --input "$WORK/small.csv" --image-shape 8,8 --images --color distortion --plot "$WORK/m.png" --html "$WORK/m.html"
WANT='--image-size must be an integer from 4 to 1024' expect_failure "--image-size 2" 2 \
    --input "$WORK/small.csv" --image-shape 8,8 --images --image-size 2 --plot "$WORK/fail/m.png"
WANT='--plot .* would overwrite the input --image-data' expect_failure "--plot over --image-data" 2 \
    --input "$WORK/small.csv" --image-data "$WORK/img_u8.npy" --images --plot "$WORK/img_u8.npy"

# ---- the other maps (--map, issue 22) ----------------------------------------------------------
# No FAST here: --exaggeration-iterations is t-SNE's, so the maps refuse it.
map_success() {
    local name=$1 rows=$2 cols=$3
    shift 3
    rm -f "$WORK/out.csv"
    if ! "$TSNE" "$@" --output "$WORK/out.csv" --quiet 2>"$WORK/stderr"; then
        bad "$name" "exit status $?: $(head -c 300 "$WORK/stderr")"
        return
    fi
    check_csv "$name" "$WORK/out.csv" "$rows" "$cols" && ok "$name"
}
for m in pca classical-mds mds sammon graph; do
    its=()
    case $m in mds | sammon | graph) its=(--iterations 30) ;; esac
    for d in 1 2 3; do
        map_success "--map $m --dims $d" 150 "$d" --input "$WORK/small.csv" --map "$m" --dims "$d" "${its[@]}"
    done
    [ "$m" = pca ] || map_success "--map $m from --distances" 60 2 --distances "$WORK/dist.csv" --map "$m" "${its[@]}"
done
map_success "--map graph --graph-neighbors 5 --theta 0 --init random" 150 2 --input "$WORK/small.csv" --map graph \
    --graph-neighbors 5 --theta 0 --init random --iterations 30
map_success "--map mds from float64 .npy" 100 2 --input "$WORK/f64.npy" --map mds --iterations 20
map_success "--map mds --landmarks 40 --dims 3" 150 3 --input "$WORK/small.csv" --map mds --landmarks 40 --dims 3
# Plots, animation, report and 3-D colours work for every map; the report names the map and its cost.
run_check "--map sammon: plot, animation, report" \
    'is_png "$WORK/m.png" && [ -s "$WORK/m.gif" ] && grep -q "\"map\": \"sammon\"" "$WORK/m.json" &&
     grep -q "\"cost\": [0-9]" "$WORK/m.json" && grep -q "\"knn_recall10\": 0" "$WORK/m.json"' \
    --input "$WORK/small.csv" --labels "$WORK/small_labels.txt" --map sammon --iterations 20 --plot "$WORK/m.png" \
    --animate "$WORK/m.gif" --snapshots 5 --report "$WORK/m.json" --quiet
run_check "--map graph --dims 3 --color embedding3d" 'is_png "$WORK/g3.png"' --input "$WORK/small.csv" --map graph \
    --dims 3 --iterations 30 --color embedding3d --plot "$WORK/g3.png" --quiet
run_check "--map pca --animate: one frame" '[ -s "$WORK/p.gif" ]' --input "$WORK/small.csv" --map pca \
    --animate "$WORK/p.gif" --quiet
"$TSNE" --input "$WORK/small.csv" --map mds --iterations 25 --threads 1 --output "$WORK/mt1.csv" --quiet 2>/dev/null
run_check "--map mds: the same output for --threads 1 and 3" 'cmp -s "$WORK/mt1.csv" "$WORK/mt3.csv"' \
    --input "$WORK/small.csv" --map mds --iterations 25 --threads 3 --output "$WORK/mt3.csv" --quiet
WANT="--map must be tsne, pca, mds, classical-mds, sammon or graph, got 'umap'" expect_failure "--map umap" 2 \
    --input "$WORK/small.csv" --map umap --output "$OUT"
WANT='--perplexity does not apply to --map mds (only to --map tsne)' expect_failure "--map mds --perplexity" 2 \
    --input "$WORK/small.csv" --map mds --perplexity 10 --output "$OUT"
WANT='--iterations does not apply to --map pca' expect_failure "--map pca --iterations" 2 \
    --input "$WORK/small.csv" --map pca --iterations 10 --output "$OUT"
WANT='--graph-neighbors does not apply to --map sammon (only to --map graph)' expect_failure \
    "--map sammon --graph-neighbors" 2 --input "$WORK/small.csv" --map sammon --graph-neighbors 4 --output "$OUT"
WANT='--graph-neighbors applies only to --map graph' expect_failure "--graph-neighbors without --map" 2 \
    --input "$WORK/small.csv" --graph-neighbors 4 --output "$OUT"
WANT='--landmarks does not apply to --map sammon (only to --map mds)' expect_failure "--map sammon --landmarks" 2 \
    --input "$WORK/small.csv" --map sammon --landmarks 40 --output "$OUT"
WANT='--landmarks does not apply to --distances' expect_failure "--map mds --landmarks from --distances" 2 \
    --distances "$WORK/dist.csv" --map mds --landmarks 20 --output "$OUT"
WANT='--map pca needs the data (--input)' expect_failure "--map pca from --distances" 2 \
    --distances "$WORK/dist.csv" --map pca --output "$OUT"
WANT='--map does not apply to --knn-graph' expect_failure "--map with --knn-graph" 2 \
    --knn-graph "$WORK/knn.csv" --map mds --output "$OUT"
WANT='graph: neighbors must be < N = 150, got 150' expect_failure "--map graph --graph-neighbors N" 1 \
    --input "$WORK/small.csv" --map graph --graph-neighbors 150 --output "$OUT"
WANT='--graph-neighbors must be an integer from 1' expect_failure "--graph-neighbors 0" 2 \
    --input "$WORK/small.csv" --map graph --graph-neighbors 0 --output "$OUT"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
