#!/usr/bin/env bash
# Benchmark: `cairn compute ks4` against the analyst's alternative (DuckDB SQL in
# bench/ks4_duckdb.sql) on a synthetic national cohort (600,000 pupils in 3,500 schools, about
# 4.5 million results).
#
#   bench/compute-ks4.sh             # build, generate the cohort once, time both, 3 rounds
#   RUNS=5 bench/compute-ks4.sh
#   PUPILS=60000 SCHOOLS=350 bench/compute-ks4.sh   # a quick, smaller run
#   CAIRN_BIN=path/to/cairn bench/compute-ks4.sh    # time that binary, no build
#
# The cohort is cached under bench/out/ (git-ignored). Timings use /usr/bin/time -v (wall
# clock and peak resident memory of the whole process, CSV in to CSV out). DuckDB is
# installed with pip when missing. Results go to docs/benchmarks.md by hand.
set -euo pipefail

cd "$(dirname "$0")/.."
PUPILS=${PUPILS:-600000}
SCHOOLS=${SCHOOLS:-3500}
SEED=${SEED:-2024}
RUNS=${RUNS:-3}
YEAR=2024
RELEASE=provisional
OUT=bench/out
DATA=$OUT/cohort-$PUPILS-$SCHOOLS-$SEED
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${CAIRN_BIN:-$TARGET/release/cairn}
TABLES=crates/cairn-measures/data

mkdir -p "$OUT"
if [ -z "${CAIRN_BIN:-}" ]; then
    echo "== building cairn (release)"
    cargo build --release -p cairn --quiet
fi

if [ ! -f "$DATA/results.csv" ]; then
    echo "== generating $PUPILS pupils in $SCHOOLS schools (seed $SEED) into $DATA"
    rm -rf "$DATA.partial"
    "$BIN" compute generate --pupils "$PUPILS" --schools "$SCHOOLS" --seed "$SEED" --out "$DATA.partial"
    mv "$DATA.partial" "$DATA"
fi
echo "== cohort: $(($(wc -l <"$DATA/results.csv") - 1)) results, $(du -h "$DATA/results.csv" | cut -f1) results.csv"

if ! python3 -c 'import duckdb' 2>/dev/null; then
    echo "== installing the duckdb Python package"
    python3 -m pip install --quiet duckdb
fi

# Runs a command under /usr/bin/time -v; prints "wall_seconds peak_mib cpu_seconds".
measure() {
    local log=$OUT/time.log
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; return 1; }
    awk -F': ' '
        /Elapsed \(wall clock\)/ {
            n = split($2, t, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + t[i]
            wall = s
        }
        /User time \(seconds\)/ { cpu += $2 }
        /System time \(seconds\)/ { cpu += $2 }
        /Maximum resident set size/ { rss = $2 / 1024 }
        END { printf "%.2f %.0f %.2f\n", wall, rss, cpu }' "$log"
}

DUCKDB_RUNNER='
import sys, duckdb
sql_path, *pairs = sys.argv[1:]
sql = open(sql_path).read()
for pair in pairs:
    key, value = pair.split("=", 1)
    sql = sql.replace("{" + key + "}", value)
con = duckdb.connect()
con.execute(sql)
'

CAIRN_KS4=("$BIN" compute ks4 --results "$DATA/results.csv" --prior "$DATA/prior.csv"
    --estimates "$YEAR" --release "$RELEASE"
    --out-pupils "$OUT/cairn_pupils.csv" --out-schools "$OUT/cairn_schools.csv")
DUCKDB_KS4=(python3 -c "$DUCKDB_RUNNER" bench/ks4_duckdb.sql
    results="$DATA/results.csv" prior="$DATA/prior.csv"
    subjects="$TABLES/ks4_subjects.csv"
    estimates="$TABLES/p8_attainment8_estimates_by_ks2_group.csv"
    sds="$TABLES/p8_national_standard_deviations.csv"
    year="$YEAR" release="$RELEASE"
    out_pupils="$OUT/duckdb_pupils.csv" out_schools="$OUT/duckdb_schools.csv")

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A WALL RSS CPU WALLS RSSS CPUS
record() {
    local name=$1
    shift
    read -r wall rss cpu < <(measure "$@")
    echo "   $name: ${wall}s wall, ${cpu}s CPU, peak ${rss} MiB"
    WALLS[$name]+="$wall"$'\n'
    RSSS[$name]+="$rss"$'\n'
    CPUS[$name]+="$cpu"$'\n'
}

# The cases take turns within each round, so a change in the machine's load (other builds)
# falls on all of them alike and the ratio stays fair.
echo "== timing ($RUNS rounds; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
for i in $(seq "$RUNS"); do
    echo "   round $i (load average $(cut -d' ' -f1 /proc/loadavg))"
    record cairn "${CAIRN_KS4[@]}"
    record duckdb "${DUCKDB_KS4[@]}"
    record cairn_groups "${CAIRN_KS4[@]}" --pupils "$DATA/pupils.csv"
done
for name in cairn cairn_groups duckdb; do
    WALL[$name]=$(printf '%s' "${WALLS[$name]}" | median)
    CPU[$name]=$(printf '%s' "${CPUS[$name]}" | median)
    RSS[$name]=$(printf '%s' "${RSSS[$name]}" | sort -n | tail -1)
done

echo "== cross-check: cairn and DuckDB per-pupil Attainment 8 and Progress 8"
python3 - "$OUT" <<'PY'
import sys, duckdb
out = sys.argv[1]
row = duckdb.sql(f"""
    SELECT count(*) AS pupils,
           count(*) FILTER (WHERE abs(c.attainment8 - d.attainment8) > 0.005) AS a8_differ,
           count(*) FILTER (WHERE (c.progress8 IS NULL) <> (d.progress8 IS NULL)
                              OR abs(c.progress8 - d.progress8) > 0.0005) AS p8_differ
    FROM read_csv('{out}/cairn_pupils.csv') c
    FULL JOIN read_csv('{out}/duckdb_pupils.csv') d USING (upn)
""").fetchall()[0]
print(f"   {row[0]} pupils; Attainment 8 differs for {row[1]}, Progress 8 for {row[2]}")
PY

ratio=$(awk -v a="${WALL[duckdb]}" -v b="${WALL[cairn]}" 'BEGIN { printf "%.1f", a / b }')
cpu_ratio=$(awk -v a="${CPU[duckdb]}" -v b="${CPU[cairn]}" 'BEGIN { printf "%.1f", a / b }')
echo
echo "| run | wall (median of $RUNS) | CPU user+sys (median) | peak RSS (max) |"
echo "| --- | ---: | ---: | ---: |"
echo "| cairn compute ks4 | ${WALL[cairn]} s | ${CPU[cairn]} s | ${RSS[cairn]} MiB |"
echo "| cairn compute ks4 --pupils (13 groups) | ${WALL[cairn_groups]} s | ${CPU[cairn_groups]} s | ${RSS[cairn_groups]} MiB |"
echo "| DuckDB $(python3 -c 'import duckdb; print(duckdb.__version__)') SQL via Python | ${WALL[duckdb]} s | ${CPU[duckdb]} s | ${RSS[duckdb]} MiB |"
echo
echo "DuckDB / cairn: ${ratio}x wall time, ${cpu_ratio}x CPU time (target: at least 4x; cairn under 400 MiB)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
