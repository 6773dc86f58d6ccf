"""Fixtures/pipeline.json and pipeline.jsonl.gz (imported by make-hf-fixtures.py): a vocabulary's
cleaning pipeline as HF runs it.

PIPELINE is a Jikji cleaning pipeline; `hf_normalizer()` is the same cleaning written by hand as
HF normalizers (independently of what `jikji vocab export` writes), in a Sequence before the
BERT normalizer of HF's NSMC vocabulary (hf/wp150k/vocab.txt, Korean settings). The fixture holds
HF's serialization of that normalizer, the shape (keys) HF writes for every normalizer type Jikji
exports, and HF's ids for NSMC test reviews and for lines made to hit every step.
"""
import os

from tokenizers import Regex, Tokenizer, normalizers
from tokenizers.models import WordPiece
from tokenizers.normalizers import NFC, NFD, NFKC, NFKD, BertNormalizer, Lowercase, Prepend, Replace, Strip
from tokenizers.pre_tokenizers import BertPreTokenizer
from tokenizers.processors import BertProcessing

PIPELINE = """steps:
  - nfkc
  - strip-control
  - {regex: {pattern: '[ㅋᄏ]{3,}', replace: 'ㅋㅋ'}}
  - {regex: {pattern: '\\d+(\\.\\d+)?', replace: '0'}}
  - {regex: {pattern: '^\\s*[.,]+', replace: ''}}
  - {regex: {pattern: 'good|bad', replace: 'GOOD', ignore-case: true}}
  - {regex: {pattern: '.(?=\\?$)', replace: ''}}
  - {punctuation-to-space: {except: ".?!'"}}
  - lowercase
  - collapse-whitespace
"""

# Whitespace as Python's str.isspace sees it (what collapse-whitespace collapses).
PY_SPACE = r"[\x{9}-\x{D}\x{1C}-\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]"
# ICU's line terminators, which its `.` and `$` respect (Oniguruma's `.` only stops at \n).
ICU_LINE_END = r"[\n\x{B}\f\r\x{85}\x{2028}\x{2029}]"

EXTRA_LINES = [
    "  ...좋아요 GOOD bad Good 굿", "ㅋㅋㅋㅋㅋ 123.45원 ㅋㅋ", "\u200b숨은\u00a0공백\t탭\u3000끝 ", "가\u0085나\u2028다",
    "١٢٣ 아랍 숫자 ٤.٥", "ｆｕｌｌ ｗｉｄｔｈ ＡＢＣ ①②", "끝이야?", "정말?!?", ",,,시작 쉼표", "ㅋ ᄏᄏᄏ ㅋㅋㅋ", "\ue000사용자\u00ad정의",
    "«인용» “따옴표” ‘작은’ (괄호) [대괄호] {중괄호} #태그 @멘션 $5 ₩1000 ♥ ★", "BAD bAd baddie goodness", "\x1f제어\x7f문자\x1c",
    "ΣΑΣ İstanbul Ǆ", "\u0301결합 문자", "", "   ", "?", ".", "마침표로 끝.", "a\u2028?",
]


def hf_normalizer():
    """PIPELINE's steps, each written as HF normalizers by hand."""
    return normalizers.Sequence([
        NFKC(),
        # strip-control: whitespace controls become spaces, other Cc, Cf and Co go.
        Replace(Regex(r"[\x{9}-\x{D}\x{1C}-\x{1F}\x{85}]"), " "),
        Replace(Regex(r"[\p{Cc}\p{Cf}\p{Co}]"), ""),
        Replace(Regex("[ㅋᄏ]{3,}"), "ㅋㅋ"),
        # ICU's \d is \p{Nd}.
        Replace(Regex(r"\p{Nd}+(\.\p{Nd}+)?"), "0"),
        # ICU's ^ is the start of the text, its \s [\t\n\f\r\p{Z}].
        Replace(Regex(r"\A[\t\n\f\r\p{Z}]*[.,]+"), ""),
        Replace(Regex(r"(?i)good|bad"), "GOOD"),
        # ICU's . stops at any line terminator; its $ is the end, or before a final line terminator.
        Replace(Regex(r"[^\n\x{B}\f\r\x{85}\x{2028}\x{2029}](?=\?(?:\r\n|" + ICU_LINE_END + r")?\z)"), ""),
        Replace(Regex(r"(?![.?!'])[\p{P}\p{S}]"), " "),
        Lowercase(),
        # collapse-whitespace: runs become one space, then the ends go.
        Replace(Regex(PY_SPACE + "+"), " "),
        Strip(),
        BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False),
    ])


def shapes():
    """The keys HF writes for each normalizer type, from HF's own serialization."""
    import json
    t = Tokenizer(WordPiece({"[UNK]": 0}, unk_token="[UNK]"))
    t.normalizer = normalizers.Sequence([NFC(), NFD(), NFKC(), NFKD(), Lowercase(), Strip(left=True, right=False),
                                         Replace("a", "b"), Replace(Regex("a"), "b"), Prepend("x"),
                                         BertNormalizer(strip_accents=False, lowercase=False)])
    members = json.loads(t.to_str())["normalizer"]["normalizers"]
    out = {}
    for m in members:
        keys = sorted(m.keys())
        if m["type"] == "Replace":
            keys = keys + ["pattern." + k for k in m["pattern"].keys()]
        out.setdefault(m["type"], [])
        if keys not in out[m["type"]]:
            out[m["type"]].append(keys)
    return out


def nsmc_lines(corpora, count):
    path = os.path.join(corpora, "nsmc/ratings_test.txt")
    lines = []
    with open(path, encoding="utf-8") as f:
        next(f)
        for raw in f:
            lines.append(raw.rstrip("\n").split("\t")[1])
            if len(lines) == count:
                break
    return lines


def main(out_dir, ref, corpora, write_json, write_jsonl_gz):
    import json
    vocab = os.path.join(ref, "hf/wp150k/vocab.txt")
    t = Tokenizer(WordPiece.from_file(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    t.normalizer = hf_normalizer()
    t.pre_tokenizer = BertPreTokenizer()
    t.post_processor = BertProcessing(("[SEP]", t.token_to_id("[SEP]")), ("[CLS]", t.token_to_id("[CLS]")))
    plain = Tokenizer.from_str(t.to_str())
    plain.normalizer = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    lines = EXTRA_LINES + nsmc_lines(corpora, 4000)
    rows, same_without = [], 0
    for text in lines:
        ids = t.encode(text).ids
        same_without += ids == plain.encode(text).ids
        rows.append({"text": text, "ids": ids})
    write_jsonl_gz("pipeline.jsonl.gz", rows)
    write_json("pipeline.json", {
        "pipeline_yaml": PIPELINE, "vocab": "hf/wp150k/vocab.txt",
        "normalizer": json.loads(t.to_str())["normalizer"], "shapes": shapes(),
        "lines": len(rows), "equal_without_pipeline": same_without,
    })
    print(f"pipeline: {len(rows)} lines, {same_without} encode the same without the pipeline")
