# link-seq/1 files: schema/link-seq-1.schema.json accepts the examples and
# refuses every broken case, and `link-seq --check` agrees with it (exit 0 or
# exit 2, with a message that names the place of each problem).
# Nothing here touches the network or joins a Link session, so this test does
# not source scripts/harness.sh (which runs the script inside a network namespace);
# it follows the same conventions for output and failure.
set -eu
: "${BIN:?BIN must point at the bin directory of a build}"
cd "$(dirname "$0")/../.."

SCHEMA=schema/link-seq-1.schema.json
DATA=tests/data/seq
# Debian's interpreter, which has python3-jsonschema; not a pyenv shim.
PYTHON=/usr/bin/python3

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
trap 'rm -rf "$WORK"; exit 1' INT TERM HUP PIPE

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# Files that must be accepted: the examples and the edge values.
VALID=$(ls examples/*.json "$DATA"/valid/*.json)

# Files that the schema and link-seq must both refuse, one line each:
# NAME|POINTER[|POINTER], NAME being tests/data/seq/invalid/NAME.json. Each
# POINTER (RFC 6901; empty for the document) is a place where a problem must be
# reported: at that place or inside it, so a missing key may be reported at
# its object or at the key itself, a stray key at its event or at the key.
INVALID='
missing-format|
wrong-format-name|/format
missing-tracks|
tracks-not-an-array|/tracks
document-not-an-object|
unknown-top-level-key|
quantum-0|/quantum
quantum-65|/quantum
quantum-0.06|/quantum
loop-beats-0|/loop_beats
loop-beats-1e-300|/loop_beats
missing-channel|/tracks/0
channel-0|/tracks/0/channel
channel-17|/tracks/0/channel
channel-1.5|/tracks/0/channel
missing-events|/tracks/0
velocity-0|/tracks/0/events/0/velocity
velocity-300|/tracks/0/events/0/velocity
note-128|/tracks/0/events/0/note
note-60.5|/tracks/0/events/0/note
note-name-H4|/tracks/0/events/0/note
note-name-G-sharp-9|/tracks/0/events/0/note
note-name-C-flat-minus-1|/tracks/0/events/0/note
note-name-with-space|/tracks/0/events/0/note
note-missing-duration|/tracks/0/events/0
duration-0|/tracks/0/events/0/duration
negative-beat|/tracks/0/events/0/beat
beat-above-1e9|/tracks/0/events/0/beat
missing-beat|/tracks/0/events/0
cc-value-minus-1|/tracks/0/events/0/value
cc-missing-value|/tracks/0/events/0
program-128|/tracks/0/events/0/program
pitch-bend-1.5|/tracks/0/events/0/pitch_bend
two-kinds-in-one-event|/tracks/0/events/0
no-kind|/tracks/0/events/0
unknown-key-velocty|/tracks/0/events/0
key-of-another-kind|/tracks/0/events/0
raw-300|/tracks/0/events/0/raw
raw-empty|/tracks/0/events/0/raw
raw-four-bytes|/tracks/0/events/0/raw
raw-incomplete-note-on|/tracks/0/events/0/raw
raw-data-byte-first|/tracks/0/events/0/raw
raw-sysex|/tracks/0/events/0/raw
two-problems|/tracks/0/channel|/tracks/0/events/0/velocity
'

# Files that only link-seq can refuse (a JSON Schema cannot express these
# rules, or the file is not JSON), same form, NAME in tests/data/seq/check-only/.
CHECK_ONLY='
event-at-loop-end|/tracks/0/events/1
event-beyond-loop-end|/tracks/0/events/1
note-name-mixed-accidentals-above-127|/tracks/0/events/0/note
duplicate-key|/tracks/0/events/0/note
not-json|line 4, column
'

# cases TABLE: the names in a table, one a line.
cases() { printf '%s\n' "$1" | sed -n 's/^\([^|]\{1,\}\)|.*/\1/p'; }
# entry TABLE NAME: the line of NAME in a table.
entry() { printf '%s\n' "$1" | awk -F'|' -v name="$2" '$1 == name'; }

# Every file in a case folder is in its table, and every name has its file.
for pair in "invalid:$INVALID" "check-only:$CHECK_ONLY"; do
  dir=${pair%%:*}
  ( cd "$DATA/$dir" && ls ./*.json ) | sed 's|^\./||; s|\.json$||' | sort >"$WORK/files"
  cases "${pair#*:}" | sort >"$WORK/names"
  diff "$WORK/names" "$WORK/files" >"$WORK/diff" \
    || fail "$DATA/$dir and its table in $0 differ (< only in the table, > only a file): $(cat "$WORK/diff")"
done

# --- the schema ---------------------------------------------------------------
"$PYTHON" -c 'import jsonschema' 2>/dev/null \
  || fail "$PYTHON cannot import jsonschema: install python3-jsonschema (TEST_PACKAGES in scripts/deps.sh)"

# Arguments: the schema, then "valid FILE" or "invalid FILE|POINTER..." items.
# Prints one line for each file that disagrees; exits 1 if any did.
# shellcheck disable=SC2016 # Python code: "$schema" is a JSON key, not a shell variable.
check_with_schema='
import json, os, sys
import jsonschema

def pointer(error):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path)

def all_errors(errors):
    for e in errors:
        yield e
        yield from all_errors(e.context or [])

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
args = sys.argv[2:]
for want, spec in zip(args[0::2], args[1::2]):
    path, *pointers = spec.split("|")
    doc = json.load(open(path))
    errors = list(validator.iter_errors(doc))
    if want == "valid":
        if errors:
            bad += 1
            print(f"{path}: the schema refuses a valid file: {pointer(errors[0])}: {errors[0].message}")
        elif isinstance(doc, dict) and "$schema" in doc:
            target = os.path.join(os.path.dirname(path), doc["$schema"])
            if not os.path.isfile(target):
                bad += 1
                print(f"{path}: \"$schema\" names no file ({target})")
    elif not errors:
        bad += 1
        print(f"{path}: the schema accepts an invalid file")
    else:
        places = [pointer(e) for e in all_errors(errors)]
        for p in pointers:
            if not any(q == p or q.startswith(p + "/") for q in places):
                bad += 1
                print(f"{path}: no error at {p or chr(34) * 2}; the schema reported: {sorted(set(places))}")
sys.exit(1 if bad else 0)
'

set -- "$SCHEMA"
for file in $VALID; do set -- "$@" valid "$file"; done
for name in $(cases "$INVALID"); do
  line=$(entry "$INVALID" "$name")
  set -- "$@" invalid "$DATA/invalid/$name.json|${line#*|}"
done
"$PYTHON" -c "$check_with_schema" "$@" >"$WORK/schema.out" 2>&1 \
  || fail "schema check: $(cat "$WORK/schema.out")"
pass "the schema accepts the $(echo "$VALID" | wc -l) valid files (examples/, $DATA/valid/)"
pass "the schema refuses the $(cases "$INVALID" | wc -l) files in $DATA/invalid/, each at the expected place"

# --- link-seq --check -----------------------------------------------------------
if [ ! -x "$BIN/link-seq" ]; then
  echo "SKIP: no link-seq binary ($BIN/link-seq): link-seq --check was not compared with the schema"
  exit 0
fi

# check WANT FILE: runs link-seq --check FILE and expects exit WANT.
check() {
  set +e; "$BIN/link-seq" --check "$2" >"$WORK/stdout" 2>"$WORK/stderr"; got=$?; set -e
  [ "$got" -eq "$1" ] || fail "link-seq --check $2 exited $got, expected $1 (stderr: $(cat "$WORK/stderr"))"
}

# expect_problem FILE PLACE: stderr has a message for FILE at PLACE (a pointer,
# matched as a prefix, or the start of a "line L, column C" position).
expect_problem() {
  grep -F "$1: $2" "$WORK/stderr" | grep -q -e "expected" -e "invalid JSON" \
    || fail "link-seq --check $1: no problem reported at '$2' (stderr: $(cat "$WORK/stderr"))"
}

for file in $VALID; do check 0 "$file"; done
pass "link-seq --check accepts the valid files"

# check_table DIR TABLE: every case in TABLE exits 2 and names its places.
check_table() {
  for name in $(cases "$2"); do
    file="$DATA/$1/$name.json"
    check 2 "$file"
    places=$(entry "$2" "$name")
    places=${places#*|}
    while :; do
      expect_problem "$file" "${places%%|*}"
      case $places in *"|"*) places=${places#*|} ;; *) break ;; esac
    done
  done
}
check_table invalid "$INVALID"
pass "link-seq --check refuses what the schema refuses (exit 2, at the same places)"
check_table check-only "$CHECK_ONLY"
pass "link-seq --check refuses what the schema cannot see (beats at or past loop_beats, names above 127, a key twice, broken JSON)"

# link-seq --control's commands: $defs/command accepts each op as the man
# page writes it and refuses the mistakes SeqControl refuses (a stray key, a
# missing one, an unknown op, a bad event). SeqControl's own replies to the
# same mistakes are in tests/unit/test_seq_control.cpp.
"$PYTHON" - "$SCHEMA" <<'PYEOF' >"$WORK/commands.out" 2>&1 || fail "the schema's commands: $(cat "$WORK/commands.out")"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
# A command is checked against $defs/command inside the schema, as an editor
# would with {"$ref": "...link-seq-1.schema.json#/$defs/command"}.
resolver = jsonschema.RefResolver.from_schema(schema)
v = jsonschema.Draft202012Validator(schema["$defs"]["command"], resolver=resolver)
good = [
    {"op": "status"},
    {"op": "add", "track": "kick", "events": [{"beat": 0, "note": 36, "duration": 0.25}]},
    {"op": "add", "track": 0, "at": "beat", "events": []},
    {"op": "add", "track": "new", "channel": 10, "events": [{"beat": 1, "cc": 1, "value": 2}]},
    {"op": "clear"}, {"op": "clear", "track": 1},
    {"op": "mute", "track": "hat"}, {"op": "unmute", "track": 2},
    {"op": "start"}, {"op": "stop"},
    {"op": "replace", "sequence": {"format": "link-seq/1", "tracks": []}},
    {"op": "load", "path": "drums.json"},
]
bad = [
    {}, {"op": "fly"}, {"op": "mute"}, {"op": "mute", "trak": "hat"}, {"op": "stop", "track": 0},
    {"op": "add", "track": "a"}, {"op": "add", "track": "a", "at": "bar", "events": []},
    {"op": "add", "track": -1, "events": []},
    {"op": "add", "track": "a", "channel": 17, "events": []},
    {"op": "add", "track": "a", "events": [{"beat": 0, "note": 200, "duration": 1}]},
    {"op": "replace", "sequence": {"format": "link-seq/2", "tracks": []}},
    {"op": "load"},
]
wrong = [c for c in good if not v.is_valid(c)] + [c for c in bad if v.is_valid(c)]
for c in wrong:
    print("misjudged:", json.dumps(c))
sys.exit(1 if wrong else 0)
PYEOF
pass "the schema's \$defs/command: $(printf '12 commands accepted, 12 refused')"
