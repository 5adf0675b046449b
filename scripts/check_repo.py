#!/usr/bin/env python3
"""Consistency checks of the repository's cross-references (python3 standard library only).

Run from anywhere: `python3 scripts/check_repo.py [--root DIR]`. Registered as the ctest test `check_repo`
(label fast). Each problem is printed as `path:line: message`; the exit status is 1 if there is any.

Checks:
  1. proof-id      every claim ID cited after `Proof:` / `Proofs:` in lib/ app/ tests/ bench/ is defined in
                   proofs/ (a heading `## ID: title` or `## ID (title)`), and only once; ranges `ID-1 .. ID-5`,
                   `ID-1..5`, `ID-1, -2`, `ID-1/2` and `ID-*` are expanded. Other ID-shaped words in those files
                   and in docs/ and proofs/ whose family (`FAST-XY`, `CONT-QUAD`, ...) is defined but whose number
                   is not are flagged too.
  2. proof-refs    every repository path (lib/..., tests/..., `lyapcert/x/y.hpp`), bare source or test file
                   name (`finite_test.cpp`) and GoogleTest name (`Suite.Name`, `Suite.*`) that a proofs/*.md
                   file names exists; source-refs: every file path that a comment in lib/ app/ tests/ bench/
                   names (tests/lyap/finite_test.cpp, proofs/fast/xy.md) exists.
  3. claim-lines   every claim section in proofs/ names its code and its test(s) on a `Code: ... Test: ...`
                   line (or says why there is none: `Code: none`, `Test: none`).
  4. issue-refs    no file in lib/ app/ tests/ bench/ docs/ proofs/ says "issue N": a comment says what the code
                   does and why, a heading says what the section is about.
  5. outside-refs  no file cites the mathematics notes or any other file kept outside the repository.
  6. module-deps   every `#include "lyapcert/<m>/..."` in lib/lyapcert/<n>/ has m == n or m among n's DEPS in
                   lib/lyapcert/<n>/CMakeLists.txt (transitively); exact/error.hpp is header-only and free to use.
  7. umbrella      every module has lib/lyapcert/<m>.hpp, which includes each of its public headers and opens with
                   the module's `Contract: ` paragraph of docs/architecture.md, word for word; the section's
                   `May use:` line names exactly the module's lyapcert DEPS (asides in parentheses aside).
                   Headers in lib/lyapcert/<m>/internal/ are module-private (not installed): the umbrella leaves
                   them out and no public header may include one; a header that calls itself "not part of the
                   public API" anywhere else would be installed, and is reported.
"""
import argparse
import os
import re
import sys

SOURCE_DIRS = ("lib", "app", "tests", "bench")
ISSUE_DIRS = SOURCE_DIRS + ("docs", "proofs", "README.md")
SOURCE_EXT = (".cpp", ".hpp", ".inc", ".h", ".py", ".txt", ".cmake", ".in", ".sh")
TEXT_EXT = SOURCE_EXT + (".md", ".json", ".csv", ".toml", ".cfg", ".yml", ".yaml", ".dict")
SKIP_DIRS = {".git", "__pycache__", "corpus", "node_modules"}

# An ID: upper-case words joined by '-', then '-<number>' and an optional letter (LYAP1D-ZERO-1a).
ID_RE = re.compile(r"(?<![\w-])((?:[A-Z][A-Z0-9]*)(?:-[A-Z][A-Z0-9]*)*)-(\d+)([a-z]?)(?![\w])")
STAR_RE = re.compile(r"(?<![\w-])((?:[A-Z][A-Z0-9]*)(?:-[A-Z][A-Z0-9]*)*)-\*")
RANGE_RE = re.compile(r"\s*\.\.\s*(?:((?:[A-Z][A-Z0-9]*)(?:-[A-Z][A-Z0-9]*)*)-)?(\d+)(?![\w])")
MORE_RE = re.compile(r"\s*(?:,\s*-|/)(\d+)(?![\w-])")
HEADING_RE = re.compile(r"^#{2,4}\s+((?:[A-Z][A-Z0-9]*)(?:-[A-Z][A-Z0-9]*)*-\d+[a-z]?)\b")
PROOF_RE = re.compile(r"\bProofs?:")
ISSUE_RE = re.compile(r"\b[Ii]ssues?\s+#?\d+")
# Built by concatenation so that this file does not match its own check.
OUTSIDE_RE = re.compile("|".join([re.escape("MATH" + ".md"), re.escape("STYLE" + ".md"), re.escape("../" + "shared"),
                                  re.escape("/work/" + "shared")]))
PATH_RE = re.compile(r"(?<![\w./{}-])((?:lib|app|tests|bench|docs|proofs|scripts|cmake)/[\w./{},*-]*[\w}*])")
FILE_EXT_RE = re.compile(r"\.(?:cpp|hpp|inc|h|py|md|txt|cmake|json|sh)$")
INCLUDE_PATH_RE = re.compile(r"(?<![\w./-])(lyapcert/[\w./-]*\.(?:hpp|h|inc))\b")
BARE_FILE_RE = re.compile(r"(?<![\w./-])([a-z0-9_]+\.(?:cpp|hpp|inc|py))(?![\w])")
GTEST_RE = re.compile(r"`([A-Z][A-Za-z0-9]*)\.([A-Z][A-Za-z0-9_]*\*?|\*)`")
GTEST_DEF_RE = re.compile(
    r"\b(?:TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P|RC_GTEST_PROP|RC_GTEST_FIXTURE_PROP)\s*\(\s*(\w+)\s*,\s*(\w+)")
CODE_LINE_RE = re.compile(r"\bCode:")
# `Test:`, `Tests:`, `**Tests:**`, `**Tests** (...):`, `Tests (all of ...):`
TEST_LINE_RE = re.compile(r"\bTests?\b(?:\*\*)?(?:\s*\([^()]*(?:\([^()]*\)[^()]*)*\))?(?:\*\*)?:")


class Report:
    def __init__(self, root):
        self.root = root
        self.problems = []

    def add(self, path, line, kind, message):
        self.problems.append((os.path.relpath(path, self.root), line, kind, message))


def walk(root, top, exts):
    base = os.path.join(root, top)
    if os.path.isfile(base):
        yield base
        return
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("build"))
        for name in sorted(filenames):
            if name.endswith(exts) or name == "CMakeLists.txt":
                yield os.path.join(dirpath, name)


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().split("\n")


def claim_ids(root):
    """ID -> (path, line) of its heading in proofs/."""
    ids = {}
    for path in walk(root, "proofs", (".md",)):
        for n, line in enumerate(read_lines(path), 1):
            m = HEADING_RE.match(line)
            if m:
                ids.setdefault(m.group(1), (path, n))
    return ids


def cited_ids(text):
    """Claim IDs named in the text: (id, is_wildcard_prefix) pairs, with ranges and `ID-1, -2` lists expanded."""
    out = []
    for m in STAR_RE.finditer(text):
        out.append((m.group(1), True))
    for m in ID_RE.finditer(text):
        prefix, num, letter = m.group(1), int(m.group(2)), m.group(3)
        out.append((f"{prefix}-{num}{letter}", False))
        rest = text[m.end():]
        r = RANGE_RE.match(rest)
        if r and (r.group(1) is None or r.group(1) == prefix):
            for k in range(num + 1, int(r.group(2)) + 1):
                out.append((f"{prefix}-{k}", False))
            continue
        while True:
            more = MORE_RE.match(rest)
            if not more:
                break
            out.append((f"{prefix}-{more.group(1)}", False))
            rest = rest[more.end():]
    return out


def check_duplicate_ids(root, ids, rep):
    for path in walk(root, "proofs", (".md",)):
        for n, line in enumerate(read_lines(path), 1):
            m = HEADING_RE.match(line)
            if m and ids.get(m.group(1)) != (path, n):
                first = ids[m.group(1)]
                rep.add(path, n, "proof-id", f"claim {m.group(1)} is already defined at "
                                             f"{os.path.relpath(first[0], root)}:{first[1]}")


def check_proof_ids(root, ids, rep):
    """In code, every ID after `Proof:` must exist (whatever its family); elsewhere, and in prose, an ID-shaped word
    is flagged when its family exists but the number does not (docs may show `Proof: ID` as an example)."""
    families = {i.rsplit("-", 1)[0] for i in ids}
    for top in SOURCE_DIRS + ("docs", "proofs", "README.md"):
        strict = top in SOURCE_DIRS
        for path in walk(root, top, SOURCE_EXT + (".md",)):
            for n, line in enumerate(read_lines(path), 1):
                p = PROOF_RE.search(line) if strict else None
                seen = set()
                for cid, star in cited_ids(line[p.end():]) if p else ():
                    if cid in seen:
                        continue
                    seen.add(cid)
                    if star:
                        if not any(i.startswith(cid + "-") for i in ids):
                            rep.add(path, n, "proof-id", f"Proof: {cid}-* names no claim family in proofs/")
                    elif cid not in ids:
                        rep.add(path, n, "proof-id", f"Proof: {cid} is not defined in proofs/")
                for cid, star in cited_ids(line):
                    if star or cid in seen or cid in ids:
                        continue
                    seen.add(cid)
                    if cid.rsplit("-", 1)[0] in families:
                        rep.add(path, n, "proof-id", f"{cid} looks like a claim ID but is not defined in proofs/")


def test_names(root):
    names = set()
    py_names = set()
    for path in walk(root, "tests", (".cpp", ".hpp", ".py")):
        text = "\n".join(read_lines(path))
        if path.endswith(".py"):
            py_names.update(re.findall(r"^\s*def (test_\w+)", text, re.M))
        else:
            names.update(GTEST_DEF_RE.findall(text))
    return names, py_names


def expand_path(rel):
    """`a/b.{hpp,cpp}` -> [a/b.hpp, a/b.cpp]; None for a placeholder (`{command}`) or a glob."""
    if "*" in rel:
        return None
    m = re.search(r"\{([^{}]*)\}", rel)
    if not m:
        return [rel]
    if "," not in m.group(1):
        return None
    out = []
    for option in m.group(1).split(","):
        sub = expand_path(rel[:m.start()] + option + rel[m.end():])
        if sub is None:
            return None
        out.extend(sub)
    return out


def missing_paths(root, line, only_files):
    """Repository paths named in the line that do not exist."""
    for m in PATH_RE.finditer(line):
        rel = m.group(1).rstrip(".")
        paths = expand_path(rel)
        if paths is None:
            continue
        for path in paths:
            if only_files and not FILE_EXT_RE.search(path):
                continue
            if not os.path.exists(os.path.join(root, path)):
                yield path


def check_source_refs(root, rep):
    for top in SOURCE_DIRS:
        for path in walk(root, top, SOURCE_EXT):
            for n, line in enumerate(read_lines(path), 1):
                for rel in missing_paths(root, line, only_files=True):
                    rep.add(path, n, "source-refs", f"names {rel}, which does not exist")


def check_proof_refs(root, rep):
    basenames = set()
    for top in ("lib", "app", "tests", "bench", "scripts", "docs", "proofs"):
        for path in walk(root, top, TEXT_EXT + (".png", ".svg")):
            basenames.add(os.path.basename(path))
    gtests, py_tests = test_names(root)
    suites = {s for s, _ in gtests}
    for path in walk(root, "proofs", (".md",)):
        suite = None  # the last `Suite.Name` of the paragraph, for the shorthand `.OtherName`
        for n, line in enumerate(read_lines(path), 1):
            if not line.strip():
                suite = None
            for m in re.finditer(r"`([A-Z][A-Za-z0-9]*)\.[A-Z*]|(?<![\w.])`\.([A-Z][A-Za-z0-9_]*)`", line):
                if m.group(1):
                    suite = m.group(1)
                elif suite and (suite, m.group(2)) not in gtests:
                    rep.add(path, n, "proof-refs", f"names the test {suite}.{m.group(2)}, which is not in tests/")
            for rel in missing_paths(root, line, only_files=False):
                rep.add(path, n, "proof-refs", f"names {rel}, which does not exist")
            for m in INCLUDE_PATH_RE.finditer(line):
                if not os.path.exists(os.path.join(root, "lib", m.group(1))):
                    rep.add(path, n, "proof-refs", f"names {m.group(1)}, which is not in lib/")
            for m in BARE_FILE_RE.finditer(line):
                if m.group(1) not in basenames:
                    rep.add(path, n, "proof-refs", f"names the file {m.group(1)}, which does not exist")
            for m in GTEST_RE.finditer(line):
                suite, name = m.group(1), m.group(2)
                if name == "*":
                    ok = suite in suites
                elif name.endswith("*"):
                    ok = any(s == suite and t.startswith(name[:-1]) for s, t in gtests)
                else:
                    ok = (suite, name) in gtests
                if not ok:
                    rep.add(path, n, "proof-refs", f"names the test {suite}.{name}, which is not in tests/")
            for m in re.finditer(r"`(test_\w+)`", line):
                if m.group(1) not in py_tests:
                    rep.add(path, n, "proof-refs", f"names the test {m.group(1)}, which is not in tests/")


def check_claim_lines(root, rep):
    for path in walk(root, "proofs", (".md",)):
        lines = read_lines(path)
        sections = []  # (id, start line index)
        for i, line in enumerate(lines):
            if line.startswith("#"):
                m = HEADING_RE.match(line)
                sections.append((m.group(1) if m else None, i))
        for k, (cid, start) in enumerate(sections):
            if cid is None:
                continue
            end = sections[k + 1][1] if k + 1 < len(sections) else len(lines)
            body = "\n".join(lines[start + 1:end])
            missing = [what for what, rx in (("Code:", CODE_LINE_RE), ("Test:", TEST_LINE_RE)) if not rx.search(body)]
            if missing:
                rep.add(path, start + 1, "claim-lines",
                        f"claim {cid} does not name its {' and '.join(missing)} (add a `Code: ... Test: ...` line)")


def check_text(root, rep):
    for top in ISSUE_DIRS:
        for path in walk(root, top, SOURCE_EXT + (".md",)):
            for n, line in enumerate(read_lines(path), 1):
                m = ISSUE_RE.search(line)
                if m:
                    rep.add(path, n, "issue-refs",
                            f"says '{m.group(0)}': say what the code does and why instead of citing a tracker")
    tops = ["lib", "app", "tests", "bench", "docs", "proofs", "scripts", "cmake", ".ci", "README.md",
            "CMakeLists.txt"]
    for top in tops:
        for path in walk(root, top, TEXT_EXT):
            for n, line in enumerate(read_lines(path), 1):
                m = OUTSIDE_RE.search(line)
                if m:
                    rep.add(path, n, "outside-refs",
                            f"cites '{m.group(0)}', outside the repository: cite docs/math.md or proofs/ instead")


# Header-only headers that any module may include without linking their module.
HEADER_ONLY = {"lyapcert/exact/error.hpp"}


def module_deps(root, closed=True):
    """module -> the lyapcert modules it may use (its DEPS in lib/lyapcert/<module>/CMakeLists.txt), closed under
    the same relation unless closed is False."""
    direct = {}
    base = os.path.join(root, "lib", "lyapcert")
    if not os.path.isdir(base):
        return {}
    for m in sorted(os.listdir(base)):
        cm = os.path.join(base, m, "CMakeLists.txt")
        if os.path.isfile(cm):
            text = "\n".join(read_lines(cm))
            call = re.search(r"lyapcert_module\(\s*%s\b(.*?)\)" % re.escape(m), text, re.S)
            deps = call.group(1).split("DEPS", 1)[1] if call and "DEPS" in call.group(1) else ""
            direct[m] = set(re.findall(r"\blyapcert_(\w+)", deps))
    if not closed:
        return direct
    closure = {}
    for m in direct:
        seen, todo = set(), list(direct[m])
        while todo:
            d = todo.pop()
            if d not in seen:
                seen.add(d)
                todo.extend(direct.get(d, ()))
        closure[m] = seen
    return closure


def check_modules(root, rep):
    """module-deps: includes stay inside the module's declared dependencies. umbrella: every module has
    lib/lyapcert/<m>.hpp, which includes each public header and opens with the contract of docs/architecture.md."""
    deps = module_deps(root)
    for m, allowed in deps.items():
        for path in walk(root, os.path.join("lib", "lyapcert", m), (".cpp", ".hpp", ".inc")):
            for n, line in enumerate(read_lines(path), 1):
                inc = re.match(r'\s*#\s*include\s+"(lyapcert/(\w+)/[\w./]+)"', line)
                if inc and inc.group(2) != m and inc.group(2) not in allowed and inc.group(1) not in HEADER_ONLY:
                    rep.add(path, n, "module-deps",
                            f"lyapcert::{m} includes {inc.group(1)}, but {inc.group(2)} is not among its DEPS "
                            f"(lib/lyapcert/{m}/CMakeLists.txt)")
    arch = os.path.join(root, "docs", "architecture.md")
    doc = "\n".join(read_lines(arch)) if os.path.isfile(arch) else ""
    direct_deps = module_deps(root, closed=False)
    for m in deps:
        section = re.search(r"^### %s -- .*?$(.*?)(?=^### |\Z)" % re.escape(m), doc, re.S | re.M)
        want = re.search(r"^Contract: (.*?)(?:\n\n|\Z)", section.group(1), re.S | re.M) if section else None
        if not want:
            rep.add(arch, 1, "umbrella", f"has no section '### {m} -- ...' with a 'Contract: ' paragraph")
        at = doc.count("\n", 0, section.start()) + 1 if section else 1  # the section's heading line
        may = re.search(r"^May use: (.*?)(?:\n\n|\Z)", section.group(1), re.S | re.M) if section else None
        named = set()
        if may:
            plain = re.sub(r"`[^`]*`|\([^()]*\)", "", may.group(1))  # code spans and asides do not count
            named = {w for w in re.findall(r"[a-z]\w*", plain) if w in deps}
        if named != direct_deps.get(m, set()):
            rep.add(arch, at, "umbrella", f"section '{m}': 'May use:' names {sorted(named)}, but its DEPS are "
                                         f"{sorted(direct_deps.get(m, set()))} (lib/lyapcert/{m}/CMakeLists.txt)")
        umbrella = os.path.join(root, "lib", "lyapcert", m + ".hpp")
        if not os.path.isfile(umbrella):
            rep.add(os.path.join(root, "lib", "lyapcert", m), 1, "umbrella",
                    f"module {m} has no umbrella header {m}.hpp")
            continue
        lines = read_lines(umbrella)
        text = "\n".join(lines)
        for path in walk(root, os.path.join("lib", "lyapcert", m), (".hpp",)):
            if not path.endswith(".hpp"):
                continue
            if "/internal/" in path.replace(os.sep, "/"):
                continue  # module-private (not installed)
            for n, line in enumerate(read_lines(path), 1):
                if re.match(r'\s*#\s*include\s+"lyapcert/[^"]*/internal/', line):
                    rep.add(path, n, "umbrella", "a public (installed) header includes a module-private internal/ "
                                                 "header, which is not installed")
            head = "".join(read_lines(path)[:3])
            rel = "lyapcert/%s/%s" % (m, os.path.basename(path))
            if "not part of the public API" in head:
                rep.add(path, 1, "umbrella", "a module-private header outside internal/ is installed: move it to "
                                             f"lib/lyapcert/{m}/internal/")
            elif f'"{rel}"' not in text:
                rep.add(umbrella, 1, "umbrella", f"does not include the public header {rel} (or, if it is "
                                                 f"module-private, move it to lib/lyapcert/{m}/internal/)")
        if not want:
            continue
        got, start = [], None
        for n, line in enumerate(lines, 1):
            if not line.startswith("//"):
                break
            body = line[2:].strip()
            if body.startswith("Contract: "):
                start = n
            if start is not None:
                if not body:
                    break
                got.append(body)
        if " ".join(" ".join(got).split()) != " ".join(("Contract: " + want.group(1)).split()):
            rep.add(umbrella, start or 1, "umbrella",
                    f"the opening 'Contract: ' paragraph differs from the one in docs/architecture.md ({m})")


def run(root):
    """All problems of the tree at root, sorted, and the number of claims defined."""
    rep = Report(root)
    ids = claim_ids(root)
    check_duplicate_ids(root, ids, rep)
    check_proof_ids(root, ids, rep)
    check_proof_refs(root, rep)
    check_source_refs(root, rep)
    check_claim_lines(root, rep)
    check_text(root, rep)
    check_modules(root, rep)
    return sorted(rep.problems), len(ids)


def self_test():
    """Builds a small tree with one known problem of each kind and checks that exactly those are reported."""
    import tempfile
    files = {
        "proofs/a/x.md": "# Title\n"
                         "## FOO-ONE-1: a claim\n"
                         "Code: `f` (lib/lyapcert/a/x.cpp). Test: `Suite.Name`, tests/a/x_test.cpp.\n"
                         "## FOO-ONE-2 (a claim without its lines)\n"
                         "Checked by `Suite.Gone` in tests/a/gone_test.cpp and `test_here`, `test_gone`,\n"
                         "`Suite.Name`, `.Name`, `.Missing`.\n",
        "lib/lyapcert/a/x.cpp": "// Proof: FOO-ONE-1, -3.\n"
                                "// Proof: FOO-ONE-1 .. FOO-ONE-2, FOO-*.\n"
                                "// the bound of issue 4\n"
                                "// see " + "MATH" + ".md section 2\n"
                                "// FOO-ONE-7 is mentioned outside a Proof line\n"
                                "// tested in tests/a/x_test.cpp and tests/b/x_test.cpp\n",
        "tests/a/x_test.cpp": "TEST(Suite, Name) {}\n",
        "lib/lyapcert/a/CMakeLists.txt": "lyapcert_module(a\n  SOURCES x.cpp\n  DEPS lyapcert_c fmt::fmt)\n",
        "lib/lyapcert/a/pub.hpp": "// A public header the umbrella forgot.\n#pragma once\n",
        "lib/lyapcert/a/internal.hpp": "// Helpers (not part of the public API).\n#pragma once\n",
        "lib/lyapcert/a/internal/impl.hpp": "// Module-private.\n#pragma once\n",
        "lib/lyapcert/a/leaky.hpp": "// Public, but includes a private header.\n#pragma once\n"
                                    "#include \"lyapcert/a/internal/impl.hpp\"\n",
        "lib/lyapcert/a.hpp": "// lyapcert/a.hpp -- umbrella.\n//\n// Contract: every value is\n// exact.\n"
                              "#pragma once\n",
        "lib/lyapcert/b/CMakeLists.txt": "lyapcert_module(b SOURCES y.cpp DEPS Arb::Arb)\n",
        "lib/lyapcert/b/y.cpp": "#include \"lyapcert/exact/error.hpp\"\n#include \"lyapcert/a/pub.hpp\"\n",
        "lib/lyapcert/b.hpp": "// lyapcert/b.hpp -- umbrella.\n// Contract: something else.\n#pragma once\n",
        "lib/lyapcert/c/CMakeLists.txt": "lyapcert_module(c SOURCES z.cpp DEPS lyapcert_b)\n",
        "docs/architecture.md": "# A\n\n### a -- thing\n\nContract: every value\nis exact.\n\nMay use: c.\n\n"
                                "### b -- other\n\nContract: what b does.\n\nMay use: Arb (not c).\n\n"
                                "### c -- third\n\nContract: c.\n\nMay use: a, b.\n",
        "tests/a/y_test.py": "def test_here():\n    pass\n",
    }
    expected = [
        ("lib/lyapcert/a/x.cpp", 1, "proof-id"),
        ("lib/lyapcert/a/x.cpp", 3, "issue-refs"),
        ("lib/lyapcert/a/x.cpp", 4, "outside-refs"),
        ("lib/lyapcert/a/x.cpp", 5, "proof-id"),
        ("lib/lyapcert/a/x.cpp", 6, "source-refs"),
        ("proofs/a/x.md", 4, "claim-lines"),
        ("proofs/a/x.md", 5, "proof-refs"),
        ("proofs/a/x.md", 5, "proof-refs"),
        ("proofs/a/x.md", 5, "proof-refs"),
        ("proofs/a/x.md", 6, "proof-refs"),                # the shorthand `.Missing` of Suite
        ("lib/lyapcert/a.hpp", 1, "umbrella"),         # the public header a/pub.hpp is not included
        ("lib/lyapcert/a.hpp", 1, "umbrella"),         # nor a/leaky.hpp (a/internal/impl.hpp need not be)
        ("lib/lyapcert/a/internal.hpp", 1, "umbrella"),  # module-private, but outside internal/: installed
        ("lib/lyapcert/a/leaky.hpp", 3, "umbrella"),   # a public header includes an internal/ one
        ("lib/lyapcert/b.hpp", 2, "umbrella"),         # contract differs from docs/architecture.md
        ("lib/lyapcert/b/y.cpp", 2, "module-deps"),    # b includes a, which is not among its DEPS
        ("lib/lyapcert/c", 1, "umbrella"),             # c has no umbrella header
        ("docs/architecture.md", 16, "umbrella"),     # c 'may use' a, b but its DEPS are b only
    ]
    with tempfile.TemporaryDirectory() as root:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        problems, nclaims = run(root)
    got = sorted((p, n, k) for p, n, k, _ in problems)
    if got != sorted(expected) or nclaims != 2:
        print("check_repo self-test FAILED\nexpected:", sorted(expected), "\ngot:", problems)
        return 1
    print(f"check_repo self-test: 1 passed, 0 failed ({len(expected)} planted problems found, no others)")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--self-test", action="store_true", help="check the checker on a planted tree and exit")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    root = os.path.abspath(args.root)
    problems, nclaims = run(root)
    if nclaims == 0:
        print(f"check_repo: no claim IDs found under {root}/proofs", file=sys.stderr)
        return 1
    for path, line, kind, message in problems:
        print(f"{path}:{line}: [{kind}] {message}")
    if problems:
        kinds = sorted({k for _, _, k, _ in problems})
        print(f"check_repo: {len(problems)} problem(s) ({', '.join(kinds)}); {nclaims} claims in proofs/")
        return 1
    print(f"check_repo: ok ({nclaims} claims in proofs/; every citation and reference resolves)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
