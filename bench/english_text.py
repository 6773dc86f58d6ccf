"""Writes a reproducible English text for the tokenizer benchmark: the docstrings of every module,
class and function of the Python standard library and of the packages installed beside this
interpreter (site-packages), paragraph by paragraph (whitespace collapsed, paragraphs of 40+
characters), one per line, in sorted file order, until LIMIT bytes.

usage: python english_text.py OUT [LIMIT_BYTES]
The text depends only on the interpreter's version and its installed packages (say which when
quoting figures: `python -m pip freeze`)."""
import ast
import os
import re
import sys
import sysconfig

out_path = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 29_000_000
roots = [sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]]
files = sorted(
    os.path.join(d, f)
    for root in dict.fromkeys(roots)
    for d, _, names in os.walk(root)
    for f in names
    if f.endswith(".py")
)
written = 0
with open(out_path, "w", encoding="utf-8", newline="\n") as out:
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read())
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            doc = ast.get_docstring(node)
            if not doc:
                continue
            for paragraph in re.split(r"\n\s*\n", doc):
                # NUL bytes (a docstring's "\\x00") are refused by `jikji encode` as not text.
                line = " ".join(paragraph.replace("\0", "").split())
                if len(line) < 40:
                    continue
                data = line + "\n"
                size = len(data.encode("utf-8"))
                if written + size > limit:
                    print(written)
                    sys.exit(0)
                out.write(data)
                written += size
print(written)
