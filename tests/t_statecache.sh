#!/bin/bash
# tests/t_statecache.sh - the runner's stat cache and change hash (issue
# 25): an edited input reruns its stage and only its consumers, a touched
# but identical one reruns nothing, a same-size rewrite in the same second
# (and one whose mtime is set back) is seen, an entry hashed in the same
# clock tick as the file's last write is never trusted (racy git), a
# run state of format 1 (BLAKE2b) is read without rerunning anything that
# did not change, and the state records XXH3-128.
. "$(dirname "$0")/lib.sh"
RS=$BIN/reliefstat
W=$TMP/w
mkdir -p "$W" && cd "$W" || exit 1
export COUNT=$W/count
: >"$COUNT"
PY=python3
# Debian's python3-xxhash, when python3 is another one (pyenv).
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}/usr/lib/python3/dist-packages

cat >step.sh <<'EOS'
#!/bin/sh
echo "$1" >>"$COUNT"
o=$2; shift 2
cat "$@" | tr a-z A-Z >"$o.tmp" && mv "$o.tmp" "$o"
EOS
chmod +x step.sh
cat >p.yaml <<'EOS'
vars:
  out: o
stages:
  up:
    run: [./step.sh, up, "${out}/u.txt", in.txt]
    inputs: [in.txt]
    outputs: ["${out}/u.txt"]
  down:
    run: [./step.sh, down, "${out}/d.txt", "${out}/u.txt"]
    inputs: ["${out}/u.txt"]
    outputs: ["${out}/d.txt"]
  other:
    run: [./step.sh, other, "${out}/x.txt", other.txt]
    inputs: [other.txt]
    outputs: ["${out}/x.txt"]
EOS
echo hello >in.txt
echo other >other.txt
ran() { sort "$COUNT" | tr '\n' ' '; : >"$COUNT"; }
want_ran() { # NAME "sorted names "
	got=$(ran)
	if [ "$got" = "$2" ]; then ok "$1"; else fail "$1" "ran '$got', want '$2'"; fi
}
ST=o/.reliefstat/state

expect_exit 0 "first run" "$RS" run p.yaml
want_ran "first run runs every stage" "down other up "
head -1 "$ST" | grep -qx 'reliefstat-state 2' && ok "state of format 2" || fail "state of format 2" "$(head -1 "$ST")"
$PY - "$ST" <<'EOS' && ok "the state records XXH3-128 of each file" || fail "the state records XXH3-128 of each file"
import sys, xxhash
f = {}
for l in open(sys.argv[1]):
    p = l.rstrip("\n").split(" ")
    if p[0] == "F":
        assert len(p) == 12, p
        f[p[11]] = p[1]
    if p[0] in "IO" and len(p) == 3:
        assert p[1] == xxhash.xxh3_128_hexdigest(open(p[2], "rb").read()), p
assert f["in.txt"] == xxhash.xxh3_128_hexdigest(b"hello\n"), f
EOS
expect_exit 0 "second run" "$RS" run p.yaml
want_ran "nothing changed: nothing runs" ""

# Touched, not changed: hashed once more, nothing reruns.
touch in.txt other.txt o/u.txt step.sh
expect_exit 0 "run after touch" "$RS" run p.yaml
want_ran "touched but identical inputs and outputs rerun nothing" ""

# Edited: that stage and its consumers, not the others.
echo hellp >in.txt
expect_exit 0 "run after an edit" "$RS" run p.yaml
want_ran "an edited input reruns its stage and its consumer only" "down up "

# The same size in the same second, right after a run: no sleep between.
expect_exit 0 "run" "$RS" run p.yaml
echo hellq >in.txt
expect_exit 0 "run after a same-size rewrite at once" "$RS" run p.yaml
want_ran "a same-size rewrite in the same second is seen" "down up "

# A same-size rewrite with its mtime set back (cp -p, tar, touch -d):
# only ctime tells.
m=$(stat -c %y in.txt)
sleep 0.05
echo hellr >in.txt
touch -d "$m" in.txt
expect_exit 0 "run after a rewrite with mtime set back" "$RS" run p.yaml
want_ran "a same-size rewrite with the old mtime is seen (ctime)" "down up "

# Identical output of a rerun stage: its consumer stays up to date.
echo HELLR | tr A-Z a-z >in.txt.new && mv in.txt.new in.txt
expect_exit 0 "run after an identical rewrite under a new inode" "$RS" run p.yaml
want_ran "a new inode with the same content reruns nothing" ""
echo hellR >in.txt
expect_exit 0 "run after a change that makes the same output" "$RS" run p.yaml
want_ran "the same output leaves its consumer up to date" "up "

# Racy git: an entry hashed in the clock tick of the file's last write
# must not be trusted, since a same-size rewrite in that tick leaves every
# stat field as it was. Simulated: the file rewritten (same size), then its
# cache entry given the file's present stat, the old hash, and the moment
# of its last write as the moment it was hashed.
expect_exit 0 "run" "$RS" run p.yaml
echo hells >in.txt
$PY - "$ST" in.txt racy <<'EOS'
import os, sys
st, path, how = sys.argv[1:4]
s = os.stat(path)
out = []
for l in open(st):
    p = l.rstrip("\n").split(" ")
    if p[0] == "F" and p[11] == path:
        m = s.st_mtime_ns if s.st_mtime_ns > s.st_ctime_ns else s.st_ctime_ns
        if how == "clean":
            m += 1
        p[2:11] = [str(x) for x in (s.st_size, s.st_mtime_ns // 10**9, s.st_mtime_ns % 10**9,
                   s.st_ctime_ns // 10**9, s.st_ctime_ns % 10**9, s.st_ino, s.st_dev,
                   m // 10**9, m % 10**9)]
    out.append(" ".join(p) + "\n")
open(st, "w").write("".join(out))
EOS
expect_exit 0 "run with a racy cache entry" "$RS" run p.yaml
want_ran "an entry hashed in the tick of the file's last write is hashed again" "down up "
# The same forged entry hashed a nanosecond later is trusted: the cache
# is really used (so the check above was the racy rule's).
expect_exit 0 "run" "$RS" run p.yaml
echo hellt >in.txt
$PY - "$ST" in.txt clean <<'EOS'
import os, sys
st, path, how = sys.argv[1:4]
s = os.stat(path)
out = []
for l in open(st):
    p = l.rstrip("\n").split(" ")
    if p[0] == "F" and p[11] == path:
        m = max(s.st_mtime_ns, s.st_ctime_ns) + 1
        p[2:11] = [str(x) for x in (s.st_size, s.st_mtime_ns // 10**9, s.st_mtime_ns % 10**9,
                   s.st_ctime_ns // 10**9, s.st_ctime_ns % 10**9, s.st_ino, s.st_dev,
                   m // 10**9, m % 10**9)]
    out.append(" ".join(p) + "\n")
open(st, "w").write("".join(out))
EOS
expect_exit 0 "run with a clean (forged) cache entry" "$RS" run p.yaml
want_ran "a clean entry is trusted without reading the file" ""
expect_exit 0 "run --force up" "$RS" run --force=up p.yaml
: >"$COUNT"

# A state of format 1 (BLAKE2b-256, F lines without ctime), as the runner
# before issue 25 wrote it: read, nothing reruns that did not change, and
# written back as format 2; a record whose hash is wrong reruns its stage.
$PY - "$ST" "$W" <<'EOS'
import hashlib, os, sys
st, w = sys.argv[1:3]
b2 = lambda data: hashlib.blake2b(data, digest_size=32).hexdigest()
fb2 = lambda p: b2(open(p, "rb").read())
cmds = {"up": ["./step.sh", "up", "o/u.txt", "in.txt"],
        "down": ["./step.sh", "down", "o/d.txt", "o/u.txt"],
        "other": ["./step.sh", "other", "o/x.txt", "other.txt"]}
ins = {"up": ["in.txt"], "down": ["o/u.txt"], "other": ["other.txt"]}
outs = {"up": ["o/u.txt"], "down": ["o/d.txt"], "other": ["o/x.txt"]}
L = ["reliefstat-state 1\n"]
s = os.stat("in.txt")
L.append("F %s %d %d %d %d %d in.txt\n" % (fb2("in.txt"), s.st_size, int(s.st_mtime), s.st_mtime_ns % 10**9, s.st_ino, int(s.st_mtime) + 5))
for t in ("up", "down", "other"):
    c = b2(b"argv\0" + b"".join(a.encode() + b"\0" for a in cmds[t]))
    L.append("T %s\nC %s\nX %s ./step.sh\n" % (t, c, fb2("step.sh")))
    for p in ins[t]:
        L.append("I %s %s\n" % (fb2(p) if t != "other" else "0" * 64, p))
    for p in outs[t]:
        L.append("O %s %s\n" % (fb2(p), p))
open(st, "w").write("".join(L))
EOS
expect_exit 0 "run on a state of format 1" "$RS" run p.yaml
want_ran "format 1 read: only the stage whose recorded hash is wrong reruns" "other "
head -1 "$ST" | grep -qx 'reliefstat-state 2' && ok "written back as format 2" || fail "written back as format 2" "$(head -1 "$ST")"
expect_exit 0 "run again" "$RS" run p.yaml
want_ran "after the upgrade nothing runs" ""
echo hellu >in.txt
expect_exit 0 "run after an edit" "$RS" run p.yaml
want_ran "after the upgrade an edit is seen" "down up "

# A state of an unknown format is ignored, loudly: everything reruns.
sed -i '1s/.*/reliefstat-state 9/' "$ST"
expect_exit 0 "run on a state of an unknown format" "$RS" run p.yaml
want_ran "an unknown format reruns everything" "down other up "
grep -q 'ignoring corrupt run state' "$TMP/.err" && ok "an unknown format is warned about" || fail "an unknown format is warned about" "$(cat "$TMP/.err")"
