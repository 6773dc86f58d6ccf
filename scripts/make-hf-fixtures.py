#!/usr/bin/env python3
"""Writes the HF parity fixtures of Tests/JikjiWordPieceTests/Fixtures/ with HuggingFace
tokenizers 0.23.3: every expected value in them is HF's output, never Jikji's.

usage (from the package root):
    python3 -m venv /work/venv-hf && /work/venv-hf/bin/pip install tokenizers==0.23.3
    /work/venv-hf/bin/python scripts/make-hf-fixtures.py [REFERENCE_DIR] [--only PART,...]

PART is marks, english, cases, mixed, cli or pipeline (default: all); --only rewrites just those
files, leaving the others (and the ids HF's random ##x order gave them) as they are.

REFERENCE_DIR defaults to $JIKJI_REFERENCE_DIR or ../shared/reference; it must hold
hf/minilm/{vocab.txt,tokenizer.json} (all-MiniLM-L6-v2) and hf/wp567k/tokenizer.json.
The English corpus is made from the license texts of /usr/share/common-licenses (on every Debian
machine); the mixed-script corpus from word lists in scripts/mixed_script.py, with a fixed seed.
Corpora, encodings and cases are the same on every run; only the ids of the single-character
`##x` tokens in trained vocabularies change, because HF numbers them in the order of a randomly
seeded hash map. The tests read that order from the vocabulary they are given, as
`jikji vocab train --continuation-order-from` does, so any run's files are valid together.

Files written:
  marks.json           decode/encode of pieces starting with a combining mark, emoji modifier or
                       variation selector; the vocabulary HF trains on those lines
  english.jsonl.gz     English lines: ids from BertWordPieceTokenizer(minilm vocab.txt,
                       lowercase=True) and everything HF gives for minilm's tokenizer.json as it
                       loads it (truncation and padding to 128 included), and decodes
  english-vocab.txt    the vocabulary HF trains on the English lines with lowercase=True
  cases.json           HF's own BERT/WordPiece test cases and edge cases around added tokens,
                       post-processors and tokenizer.json fidelity, as overlays of minilm's file
                       (scripts/hf_cases.py)
  mixed.jsonl.gz       the mixed-script corpus (train and held-out lines), HF's encodings and
                       decodes of the held-out lines
  mixed-vocab.txt      the vocabulary HF trains on the mixed-script training lines
                       (scripts/mixed_script.py)
  marks-vocab.txt      the vocabulary of marks.json as a vocab.txt
  cli-cases.json       pairs, truncation strategies, stride/overflow and padding to the longest of
                       a batch, as `jikji encode` flags express them (scripts/hf_cli_cases.py)
  pipeline.json        a cleaning pipeline written by hand as HF normalizers before the BERT
  pipeline.jsonl.gz    normalizer, and HF's ids for NSMC test reviews (scripts/hf_pipeline_cases.py;
                       needs CORPORA_DIR, default $JIKJI_CORPORA_DIR or ../shared/corpora)
"""
import gzip
import json
import os
import random
import sys

import tokenizers
from tokenizers import AddedToken, BertWordPieceTokenizer, Tokenizer

assert tokenizers.__version__ == "0.23.3", f"needs tokenizers 0.23.3, found {tokenizers.__version__}"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--only")]
ONLY = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--only=")), None)
if "--only" in sys.argv[1:]:
    ONLY = sys.argv[sys.argv.index("--only") + 1]
    ARGS = [a for a in ARGS if a != ONLY]
PARTS = set(ONLY.split(",")) if ONLY else {"marks", "english", "cases", "mixed", "cli", "pipeline"}
REF = (ARGS[0] if ARGS else os.environ.get("JIKJI_REFERENCE_DIR")) or os.path.join(ROOT, "../shared/reference")
CORPORA = os.environ.get("JIKJI_CORPORA_DIR") or os.path.join(ROOT, "../shared/corpora")
OUT = os.path.join(ROOT, "Tests/JikjiWordPieceTests/Fixtures")
os.makedirs(OUT, exist_ok=True)
MINILM_VOCAB = os.path.join(REF, "hf/minilm/vocab.txt")
MINILM_JSON = os.path.join(REF, "hf/minilm/tokenizer.json")


def write_json(name, value):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")


def write_jsonl_gz(name, rows):
    # mtime=0 so the bytes do not depend on when the script ran.
    with open(os.path.join(OUT, name), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            for row in rows:
                f.write((json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))


def write_vocab(name, tokenizer):
    vocab = tokenizer.get_vocab()
    ordered = sorted(vocab.items(), key=lambda kv: kv[1])
    assert [i for _, i in ordered] == list(range(len(ordered)))
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        for token, _ in ordered:
            f.write(token + "\n")
    return [t for t, _ in ordered]


def encoding(e, tokens=True):
    """Everything of an HF Encoding that Jikji reproduces (`tokens=False` leaves out the token
    strings and keeps only the ids of overflow parts, to keep big fixtures small)."""
    out = {
        "ids": e.ids, "type_ids": e.type_ids,
        "offsets": [list(o) for o in e.offsets], "attention_mask": e.attention_mask,
        "special_tokens_mask": e.special_tokens_mask,
    }
    if tokens:
        out["tokens"] = e.tokens
        out["overflowing"] = [encoding(o) for o in e.overflowing]
    else:
        out["overflowing_ids"] = [o.ids for o in e.overflowing]
    return out


# ---------------------------------------------------------------------------------------------
# 1. Pieces that start with a combining mark, a skin-tone modifier or a variation selector.

def marks():
    lines = [
        "भारत किताब राजा পানি", "भारत भारत किताब", "राजा পানি পানি",
        "e\u0301 cafe\u0301 e\u0301e\u0301", "👍🏽 👍🏽👍 👍🏿", "❤️ ❤️❤️ ❤", "👩‍💻 👨‍👩‍👧 🏳️‍🌈",
        "ก็ ไม่ นี่", "x\u0301\u0323 a\u0308",
    ]
    hf = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    hf.train_from_iterator(lines, vocab_size=90, min_frequency=2, limit_alphabet=1000, show_progress=False)
    vocab = write_vocab("marks-vocab.txt", hf)
    # Reload as vocab.txt users do, with [CLS]/[SEP] around each line.
    hf = BertWordPieceTokenizer(os.path.join(OUT, "marks-vocab.txt"), strip_accents=False, lowercase=False)
    texts = lines + ["भारत किताब राजा পানি", "e\u0301", "👍🏽", "❤️", "ारत", "##ारत", "\u0301"]
    cases = []
    for text in texts:
        e = hf.encode(text)
        cases.append({"text": text, "ids": e.ids, "offsets": [list(o) for o in e.offsets],
                      "decoded": hf.decode(e.ids), "decoded_keep_specials": hf.decode(e.ids, skip_special_tokens=False)})
    write_json("marks.json", {"train_lines": lines, "vocab_size": 90, "min_frequency": 2, "limit_alphabet": 1000,
                              "vocab": vocab, "cases": cases})


# ---------------------------------------------------------------------------------------------
# 2 and 3. English lines: lowercase=True (accents follow it) and minilm's tokenizer.json as HF loads it.

ACCENTED = ["Café", "naïve", "façade", "résumé", "Ångström", "São Paulo", "Zürich", "crème brûlée", "Noël",
            "coöperate", "jalapeño", "piñata", "Dvořák", "Øresund", "Æsir", "Łódź", "Škoda", "İstanbul",
            "Ελλάδα", "Привет", "ǅemal", "ﬁne", "Ｆｕｌｌ", "½ cup", "naïveté", "über", "CAFÉ"]


def english_lines():
    folder = "/usr/share/common-licenses"
    seen, lines, paragraphs = set(), [], []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        paragraph = []
        with open(path, encoding="utf-8", errors="replace") as f:
            for raw in f:
                line = " ".join(raw.split())
                if not line:
                    if len(paragraph) > 3:
                        paragraphs.append(" ".join(paragraph))
                    paragraph = []
                    continue
                paragraph.append(line)
                if line not in seen:
                    seen.add(line)
                    lines.append(line)
    rng = random.Random(13)
    rng.shuffle(lines)
    lines = lines[:1800]
    # Long lines (paragraphs) that truncation at 128 cuts, and lines with accented words.
    lines += paragraphs[:150]
    for _ in range(250):
        words = [rng.choice(ACCENTED) for _ in range(rng.randint(1, 5))]
        base = lines[rng.randrange(1800)].split()
        at = rng.randrange(len(base) + 1)
        lines.append(" ".join(base[:at] + words + base[at:]))
    return lines


def english():
    lines = english_lines()
    lower = BertWordPieceTokenizer(MINILM_VOCAB, lowercase=True)
    as_loaded = Tokenizer.from_file(MINILM_JSON)
    rows = []
    for text in lines:
        j = as_loaded.encode(text)
        rows.append({"text": text, "vocab_txt_lowercase_ids": lower.encode(text).ids,
                     "json": encoding(j, tokens=False), "decoded": as_loaded.decode(j.ids)})
    write_jsonl_gz("english.jsonl.gz", rows)
    trained = BertWordPieceTokenizer(lowercase=True)
    trained.train_from_iterator(lines, vocab_size=3000, min_frequency=2, limit_alphabet=1000, show_progress=False)
    write_vocab("english-vocab.txt", trained)
    print(f"english: {len(lines)} lines")


if __name__ == "__main__":
    # The case table and the mixed-script corpus live beside this script.
    import hf_cases  # noqa: E402  (scripts/hf_cases.py)
    import hf_cli_cases  # noqa: E402  (scripts/hf_cli_cases.py)
    import hf_pipeline_cases  # noqa: E402  (scripts/hf_pipeline_cases.py)
    import mixed_script  # noqa: E402  (scripts/mixed_script.py)

    if "marks" in PARTS:
        marks()
    if "english" in PARTS:
        english()
    if "cases" in PARTS:
        hf_cases.main(OUT, REF, encoding)
    if "mixed" in PARTS:
        mixed_script.main(OUT, write_jsonl_gz, write_vocab)
    if "cli" in PARTS:
        hf_cli_cases.main(OUT, REF, encoding, write_json)
    if "pipeline" in PARTS:
        hf_pipeline_cases.main(OUT, REF, CORPORA, write_json, write_jsonl_gz)
