#!/usr/bin/env bash
# Times `cairn import ks4` on a generated results file of 1,000,000 rows (100,000 pupils,
# ten subjects each) into SQLite and, under scripts/with-postgres, into PostgreSQL.
# The pupils are imported first (not timed: results need their pupils); then the results
# are imported three times: a first load (every row added), a re-import (every row
# unchanged) and a corrected file (one row in ten has a new grade: that many updated, the
# rest unchanged). `uptime` is printed before each run: the machine's load belongs beside
# the figures.
#
# Usage: bench/import.sh [ROWS]   (ROWS defaults to 1000000; a multiple of 10)
# CAIRN_BIN=path/to/cairn times that binary instead of building this checkout, so two builds
# can be compared in one sitting on the same files.
# RUST_LOG=cairn_store=debug,cairn_ingest=debug prints where the time goes, phase by phase.
# Record the figures in docs/benchmarks.md under "## cairn import".
set -euo pipefail

ROWS="${1:-1000000}"
PUPILS=$((ROWS / 10))
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d -t cairn-import-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

if [[ -n "${CAIRN_BIN:-}" ]]; then
    CAIRN="$CAIRN_BIN"
else
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
    cargo build --release -p cairn --manifest-path "$ROOT/Cargo.toml" >&2
    CAIRN="$CARGO_TARGET_DIR/release/cairn"
fi

# UPNs: the check letter is sum(char k * k, k = 2..13) mod 23 over the table below
# (DfE UPN guide v1.2; I, O and S unused).
echo "generating $PUPILS pupils and $ROWS results in $WORK" >&2
awk -v pupils="$PUPILS" -v dir="$WORK" 'BEGIN {
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    split("English Language,English Literature,Mathematics,Combined Science,History,Geography,French,Computer Science,Religious Studies,Art and Design", subjects, ",")
    pupils_csv = dir "/pupils.csv"; results_csv = dir "/ks4.csv"
    print "UPN,Surname,Forename,DOB,Sex" > pupils_csv
    print "UPN,URN,Subject,Grade" > results_csv
    for (i = 0; i < pupils; i++) {
        rest = sprintf("8500%03d%05d", int(i / 100000) % 1000, i % 100000)
        sum = 0
        for (k = 1; k <= 12; k++) sum += substr(rest, k, 1) * (k + 1)
        upn = substr(letters, sum % 23 + 1, 1) rest
        printf "%s,Surname%d,Forename%d,%02d/%02d/2008,%s\n", upn, i, i, 1 + i % 28, 1 + i % 12, (i % 2 ? "M" : "F") > pupils_csv
        for (s = 1; s <= 10; s++) {
            grade = (s == 4) ? sprintf("%d-%d", 1 + (i + 1) % 8, 1 + (i + 1) % 8) : 1 + (i + s) % 9
            printf "%s,136000,%s,%s\n", upn, subjects[s], grade > results_csv
        }
    }
}'
# The corrected file: every pupil's second subject (English Literature) graded U instead.
awk -F, -v OFS=, 'NR > 1 && (NR - 3) % 10 == 0 { $4 = "U" } { print }' "$WORK/ks4.csv" > "$WORK/ks4-corrected.csv"
cat > "$WORK/gias.csv" <<'CSV'
URN,LA (code),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge,EstablishmentStatus (name),OpenDate
136000,850,4000,Bench Academy,Academy converter,Secondary,11,16,Open,01/09/2010
CSV

run() {
    local url="$1" label="$2"
    "$CAIRN" import gias "$WORK/gias.csv" --no-refresh --database "$url" >/dev/null
    "$CAIRN" import pupils "$WORK/pupils.csv" --no-refresh --database "$url" >/dev/null
    echo "== $label: first load of $ROWS results"; uptime
    /usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KiB" "$CAIRN" import ks4 "$WORK/ks4.csv" --year 2024/25 --no-refresh --database "$url"
    echo "== $label: re-import (all unchanged)"; uptime
    /usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KiB" "$CAIRN" import ks4 "$WORK/ks4.csv" --year 2024/25 --no-refresh --database "$url"
    echo "== $label: corrected file (one row in ten updated)"; uptime
    /usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KiB" "$CAIRN" import ks4 "$WORK/ks4-corrected.csv" --year 2024/25 --no-refresh --database "$url"
}

run "sqlite:$WORK/bench.db" SQLite
if [[ -n "${CAIRN_TEST_POSTGRES_URL:-}" ]]; then
    psql "$CAIRN_TEST_POSTGRES_URL" -qc "CREATE DATABASE cairn_import_bench" >/dev/null
    PG_URL="${CAIRN_TEST_POSTGRES_URL%/*}/cairn_import_bench"
    run "$PG_URL" PostgreSQL
else
    echo "PostgreSQL skipped: run as scripts/with-postgres bench/import.sh" >&2
fi
