"""The case table of Fixtures/cases.json (imported by make-hf-fixtures.py): HF tokenizers' own
BERT/WordPiece test cases (tokenizers/tests/added_tokens.rs, the AddedVocabulary unit tests,
bindings/python/tests/implementations/test_bert_wordpiece.py) re-run on a BERT WordPiece
tokenizer, and edge cases around them: added tokens and their flags, post-processors, decoders,
canonically equivalent vocabulary entries, U+FEFF tokens, truncation, padding, pairs, overflow.

Each case is an overlay of top-level keys on a base tokenizer.json (`minilm`: all-MiniLM-L6-v2's,
`wp567k`: HF's NSMC vocabulary) and a list of inputs; the fixture stores HF's outputs for each.
"""
import json
import os
import unicodedata

from tokenizers import Tokenizer


def added(content, id, special=False, single_word=False, lstrip=False, rstrip=False, normalized=None):
    return {"id": id, "content": content, "single_word": single_word, "lstrip": lstrip, "rstrip": rstrip,
            "normalized": (not special) if normalized is None else normalized, "special": special}


def cases(base):
    specials = base["added_tokens"]
    n = len(base["model"]["vocab"])
    none = {"truncation": None, "padding": None}
    english = ["Hello, y'all! How are you 😁 ?", "My name is John", "  Hello there  ", "I can't do not", "",
               "The quick brown fox jumps over the lazy dog.", "unaffable naïve CAFÉ", "a [SEP] b [CLS][MASK]x",
               "[sep] [Cls] [UNK]", "x" * 101, "Ω≈ç√∫˜µ≤≥÷ 中文字 日本語"]
    out = []

    def case(name, overlay, inputs, base_name="minilm", decodes=()):
        # Copies: input lists are shared between cases, and each case stores its own HF outputs.
        out.append({"name": name, "base": base_name, "overlay": overlay, "inputs": json.loads(json.dumps(inputs)),
                    "decodes": json.loads(json.dumps(list(decodes)))})

    # The base file as HF loads it, and without its truncation/padding, on single texts and pairs.
    case("minilm as loaded", {}, [{"text": t} for t in english[:4]] + [{"text": "My name is John", "pair": "pair"}])
    case("bert basics", none, [{"text": t} for t in english] + [{"text": t, "add_special_tokens": False} for t in english[:3]]
         + [{"text": "My name is John", "pair": "pair"}, {"text": "", "pair": ""}, {"text": "a", "pair": "b c d"}],
         decodes=[{"ids": [101, 7592, 1010, 100, 2026, 2171, 102], "skip_special_tokens": s} for s in (True, False)])

    # Non-special added tokens are split out (added_tokens.rs, can_extract_added_tokens).
    for normalized in (False, True):
        case(f"non-special added token, normalized={normalized}",
             {**none, "added_tokens": specials + [added("tok", n, normalized=normalized)]},
             [{"text": t} for t in ["wotokrd", "tok tok", "WoTOKrd", "a tokb"]],
             decodes=[{"ids": [101, 24185, n, 16428, 102], "skip_special_tokens": True}])
    case("my/name added tokens with a lowercasing normalizer",
         {**none, "added_tokens": specials + [added("my", n, lstrip=True, rstrip=True), added("name", n + 1),
                                             added("ony", n + 2, single_word=True)]},
         [{"text": "[CLS] My name is Anthony [SEP]"}, {"text": "my name is anthony", "add_special_tokens": False}])
    # lstrip / rstrip (added_tokens.rs lstrip_tokens, rstrip_tokens; AddedVocabulary test_lstrip_unicode_space).
    for l, r in ((True, False), (False, True), (True, True)):
        case(f"<mask> lstrip={l} rstrip={r}",
             {**none, "added_tokens": specials + [added("<mask>", n, special=True, lstrip=l, rstrip=r)]},
             [{"text": t} for t in ["I saw a <mask> 😺", "Hi <mask> there\t<mask>\t<mask>\u2000", "<mask><mask>  <mask>"]])
    case("<mask> single_word lstrip rstrip",
         {**none, "added_tokens": specials + [added("<mask>", n, lstrip=True, rstrip=True, single_word=True, normalized=False)]},
         [{"text": "Hi <mask> there\t<mask>\t<mask>\u2000"}, {"text": "<mask> My name <mask> A<mask> <mask>ony <mask>"},
          {"text": "<mask>, <mask>- \u25cc\u0330<mask>"}])
    # single_word (added_tokens.rs single_word_tokens).
    for single in (True, False):
        case(f"ing single_word={single}",
             {**none, "added_tokens": specials + [added("ing", n, special=True, single_word=single)]},
             [{"text": t} for t in ["I like dancing", "ing ing", "sing-ing", "ing_ing"]])
    # Overlapping added tokens (added_tokens.rs overlapping_tokens): leftmost-longest.
    case("overlapping danc nci ing",
         {**none, "added_tokens": specials + [added(c, n + k, special=True) for k, c in enumerate(["danc", "nci", "ing"])]},
         [{"text": "I like dancing"}])
    case("overlapping nci danc ing ike",
         {**none, "added_tokens": specials + [added(c, n + k, special=True) for k, c in enumerate(["nci", "danc", "ing", "ike"])]},
         [{"text": "I like dancing"}])
    # A special token with normalized=true under a lowercasing normalizer; decodes of normalized tokens.
    case("special <TOK> normalized=true",
         {**none, "added_tokens": specials + [added("<TOK>", n, special=True, normalized=True)]},
         [{"text": t} for t in ["A <TOK> B", "a <tok> b", "A<TOK>B"]],
         decodes=[{"ids": [101, 1037, n, 1038, 102], "skip_special_tokens": s} for s in (True, False)])
    case("added Yesterday normalized=true",
         {**none, "added_tokens": specials + [added("Yesterday", n, normalized=True), added("Café", n + 1, normalized=True)]},
         [{"text": t} for t in ["I read a book Yesterday", "yesterday café CAFE"]],
         decodes=[{"ids": [101, n, n + 1, 102], "skip_special_tokens": True}])
    # "decoder": null joins tokens with spaces.
    case("decoder null", {**none, "decoder": None}, [{"text": "unaffable, isn't it?"}],
         decodes=[{"ids": [101, 4895, 10354, 3085, 1010, 3475, 1005, 1056, 2009, 1029, 102], "skip_special_tokens": s}
                  for s in (True, False)])
    case("decoder cleanup false", {**none, "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": False}},
         [{"text": "unaffable, isn't it?"}],
         decodes=[{"ids": [101, 4895, 10354, 3085, 1010, 3475, 1005, 1056, 2009, 1029, 102], "skip_special_tokens": True}])

    # Post-processors HF reads that Jikji refused.
    bert = {"type": "BertProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101]}
    pair_inputs = [{"text": "hello world"}, {"text": "hello", "pair": "world again"}]
    case("BertProcessing", {**none, "post_processor": bert}, pair_inputs)
    case("post_processor without type (Bert)", {**none, "post_processor": {"sep": ["[SEP]", 102], "cls": ["[CLS]", 101]}}, pair_inputs)
    template = base["post_processor"]
    case("post_processor without type (Template)", {**none, "post_processor": {k: v for k, v in template.items() if k != "type"}}, pair_inputs)
    case("processor ids differ from the vocabulary",
         {**none, "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 5], "cls": ["[CLS]", 7]}}, pair_inputs)
    own = json.loads(json.dumps(template))
    own["pair"][-1]["SpecialToken"]["type_id"] = 0
    own["pair"][1]["Sequence"]["type_id"] = 1
    own["special_tokens"]["[CLS]"]["ids"] = [2000]
    own["special_tokens"]["[SEP]"] = {"id": "[SEP]", "ids": [102, 103], "tokens": ["[SEP]", "[MASK]"]}
    case("TemplateProcessing with its own ids and type ids", {**none, "post_processor": own},
         pair_inputs + [{"text": "hello world again and again", "pair": "x y z", "truncation": {"max_length": 9, "stride": 1}}])
    case("TemplateProcessing $A [SEP] only",
         {**none, "post_processor": {"type": "TemplateProcessing",
                                     "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                                     "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                                     "special_tokens": {"[SEP]": {"id": "[SEP]", "ids": [102], "tokens": ["[SEP]"]}}}},
         pair_inputs)
    case("added tokens outside the vocabulary",
         {**none, "added_tokens": specials + [added("<new>", n + 7, special=True, normalized=False), added("<other>", 50000, special=True, normalized=False),
                                              added("hello", 99999, special=False, normalized=True)]},
         [{"text": "hello <new> world <other>"}, {"text": "<new>"}],
         decodes=[{"ids": [101, n, n + 1, 7592, 102], "skip_special_tokens": s} for s in (True, False)])

    # Truncation and padding from the file and per input (max_length 0 and 1 included).
    long = "the quick brown fox jumps over the lazy dog again and again"
    trunc_inputs = []
    for ml in (0, 1, 2, 3, 5):
        trunc_inputs.append({"text": long, "truncation": {"max_length": ml}})
        trunc_inputs.append({"text": long, "add_special_tokens": False, "truncation": {"max_length": ml}})
    for strategy in ("longest_first", "only_first", "only_second"):
        for stride in (0, 2):
            trunc_inputs.append({"text": long, "pair": "a short pair text here", "truncation": {"max_length": 12, "stride": stride, "strategy": strategy}})
    trunc_inputs.append({"text": long, "truncation": {"max_length": 6, "stride": 2, "direction": "left"}})
    trunc_inputs.append({"text": long, "pair": "x", "truncation": {"max_length": 4}})
    case("truncation", none, trunc_inputs)
    case("padding", none, [
        {"text": "hello", "padding": {"length": 8}},
        {"text": "hello", "padding": {"length": 8, "direction": "left", "pad_id": 3, "pad_type_id": 1, "pad_token": "[SEP]"}},
        {"text": "hello world", "padding": {"pad_to_multiple_of": 8}},
        {"text": long, "padding": {"length": 8}, "truncation": {"max_length": 6, "stride": 1}},
        {"text": "hello", "pair": "world", "padding": {"length": 10}},
    ])
    case("file truncation and padding",
         {"truncation": {"direction": "Left", "max_length": 7, "strategy": "LongestFirst", "stride": 1},
          "padding": {"strategy": {"Fixed": 9}, "direction": "Left", "pad_to_multiple_of": None, "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}},
         [{"text": long}, {"text": "hi"}, {"text": long, "pair": "and a pair"}])
    case("file padding BatchLongest multiple of 4",
         {"truncation": None, "padding": {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": 4, "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}},
         [{"text": "hello"}, {"text": long}])

    # Vocabularies with canonically equivalent tokens, and tokens starting with U+FEFF.
    jamo = unicodedata.normalize("NFD", "가")
    small = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u91d1", "\uf90a", "가", jamo, "##" + jamo, "\ufeffhello", "hello",
             "a\u0301", "\u00e1", "##\u0301", "x", "##\u0324\u0323", "##\u0323\u0324"]
    small_model = {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                   "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(small)}}
    for clean in (True, False):
        case(f"canonically equivalent and U+FEFF tokens, clean_text={clean}",
             {**none, "model": small_model, "added_tokens": [added(t, i, special=True, normalized=False) for i, t in enumerate(small[:5])],
              "normalizer": {"type": "BertNormalizer", "clean_text": clean, "handle_chinese_chars": True, "strip_accents": False, "lowercase": False}},
             [{"text": t} for t in ["\u91d1 \uf90a", "가 " + jamo + " 가" + jamo, "\ufeffhello hello", "a\u0301 \u00e1", "x\u0324\u0323 x\u0323\u0324"]],
             decodes=[{"ids": list(range(5, len(small))), "skip_special_tokens": True}])
    case("wp567k tokenizer.json", {}, [{"text": t} for t in ["金 \uf90a 金 영화 최고", "ㅋㅋㅋ 재밌다!!", "\u1100\u1161 가"]], base_name="wp567k")
    return out


def run(tokenizer_json, inputs, decodes, encoding):
    results = []
    for spec in inputs:
        t = Tokenizer.from_str(tokenizer_json)
        if "truncation" in spec:
            t.enable_truncation(**spec["truncation"])
        if "padding" in spec:
            t.enable_padding(**spec["padding"])
        args = [spec["text"]] + ([spec["pair"]] if "pair" in spec else [])
        try:
            e = t.encode(*args, add_special_tokens=spec.get("add_special_tokens", True))
        except Exception as error:  # HF refuses some settings (e.g. only_first on a too short text)
            results.append({"error": str(error)})
            continue
        results.append(encoding(e))
    t = Tokenizer.from_str(tokenizer_json)
    decoded = [t.decode(d["ids"], skip_special_tokens=d["skip_special_tokens"]) for d in decodes]
    return results, decoded


def main(out_dir, ref, encoding):
    bases = {"minilm": os.path.join(ref, "hf/minilm/tokenizer.json"), "wp567k": os.path.join(ref, "hf/wp567k/tokenizer.json")}
    loaded = {k: json.load(open(p, encoding="utf-8")) for k, p in bases.items()}
    table = []
    for c in cases(loaded["minilm"]):
        document = dict(loaded[c["base"]])
        document.update(c["overlay"])
        results, decoded = run(json.dumps(document, ensure_ascii=False), c["inputs"], c["decodes"], encoding)
        for spec, r in zip(c["inputs"], results):
            spec["hf"] = r
        for d, text in zip(c["decodes"], decoded):
            d["hf"] = text
        table.append(c)
    # One case per line: compact, yet a changed case shows as one changed line.
    with open(os.path.join(out_dir, "cases.json.tmp"), "w", encoding="utf-8") as f:
        f.write('{"tokenizers":"0.23.3","cases":[\n')
        f.write(",\n".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in table))
        f.write("\n]}\n")
    os.replace(os.path.join(out_dir, "cases.json.tmp"), os.path.join(out_dir, "cases.json"))
    print(f"cases: {len(table)} cases, {sum(len(c['inputs']) for c in table)} inputs")
