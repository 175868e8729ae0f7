#!/usr/bin/env python3
"""Collects seed inputs for a fuzz target from test sources and fixture folders.

usage: extract-seeds.py OUT_DIR [--tests FILE.swift ...] [--files DIR_OR_FILE ...] [--must-contain S]
                         [--prefix-byte HEX] [--body-only]

Swift string literals in the test files (single-line "..." and multi-line \"\"\"...\"\"\") that contain
--must-contain (default '<') are unescaped and written, with every fixture file, to OUT_DIR named by
their SHA-1 (libFuzzer's naming), so re-running adds nothing twice. Files over 16 KiB are skipped.
--body-only keeps what follows the first blank line (an HTTP message's body); --prefix-byte puts
the HTTP targets' control byte in front of every seed.
"""
import hashlib
import os
import re
import sys

def unescape(body):
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            simple = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
            if n in simple:
                out.append(simple[n]); i += 2; continue
            if n == "u" and body[i + 2:i + 3] == "{":
                end = body.index("}", i)
                out.append(chr(int(body[i + 3:end], 16))); i = end + 1; continue
            if n == "(":  # interpolation: not a literal input
                return None
        out.append(c); i += 1
    return "".join(out)

def literals(source):
    for m in re.finditer(r'"""\n(.*?)\n([ \t]*)"""', source, re.S):
        indent = m.group(2)
        lines = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in m.group(1).split("\n")]
        text = "\n".join(lines)
        text = re.sub(r"\\\n", "", text)
        yield unescape(text)
    stripped = re.sub(r'""".*?"""', "", source, flags=re.S)
    for m in re.finditer(r'(?<!#)"((?:[^"\\\n]|\\.)*)"', stripped):
        yield unescape(m.group(1))

def main():
    args = sys.argv[1:]
    out, tests, files, must = args[0], [], [], "<"
    prefix, body_only = b"", False
    mode = None
    for a in args[1:]:
        if a in ("--tests", "--files"):
            mode = a
        elif a == "--body-only":
            body_only = True
        elif a == "--prefix-byte":
            mode = a
        elif mode == "--prefix-byte":
            prefix = bytes([int(a, 16)])
            mode = None
        elif a == "--must-contain":
            mode = a
        elif mode == "--must-contain":
            must = a.encode().decode("unicode_escape")
        elif mode == "--tests":
            tests.append(a)
        else:
            files.append(a)
    os.makedirs(out, exist_ok=True)
    seeds = []
    for t in tests:
        for lit in literals(open(t, encoding="utf-8").read()):
            if lit is not None and must in lit and len(lit) > 2:
                seeds.append(lit.encode("utf-8", "surrogatepass"))
    for f in files:
        paths = [os.path.join(f, n) for n in sorted(os.listdir(f))] if os.path.isdir(f) else [f]
        for p in paths:
            if os.path.isfile(p) and os.path.getsize(p) <= 16384:
                seeds.append(open(p, "rb").read())
    if body_only:
        seeds = [s.split(b"\r\n\r\n", 1)[1] for s in seeds if b"\r\n\r\n" in s]
    seeds = [prefix + s for s in seeds]
    added = 0
    for s in seeds:
        name = os.path.join(out, hashlib.sha1(s).hexdigest())
        if not os.path.exists(name):
            open(name, "wb").write(s)
            added += 1
    print(f"{out}: {added} new seeds ({len(seeds)} candidates)")

if __name__ == "__main__":
    main()
