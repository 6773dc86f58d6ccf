"""The mixed-script fixtures (imported by make-hf-fixtures.py): a corpus built deterministically
from the word lists below (English, Korean, Devanagari, Bengali, Thai, Arabic, Greek, Cyrillic,
combining accents, emoji with skin-tone modifiers, ZWJ sequences, variation selectors), the
vocabulary HF's BertWordPieceTokenizer trains on its training lines, and HF's encodings and
decodes of its held-out lines.
"""
import os
import random

from tokenizers import BertWordPieceTokenizer

SEED = 20260413
TRAIN_LINES, HELD_OUT_LINES = 4000, 600
SETTINGS = dict(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
TRAIN = dict(vocab_size=3000, min_frequency=2, limit_alphabet=1000)

WORDS = {
    "english": "the quick brown fox jumps over lazy dog Hello world people language reading writing tokens "
               "pieces vocabulary London Paris river mountain coffee morning evening friend family music".split(),
    "korean": "안녕하세요 한국어 영화 정말 재밌다 사람 사람들 학교 공부 서울 부산 음식 김치 감사합니다 최고 "
              "ㅋㅋㅋ ㅠㅠ 좋아요 시간 오늘 내일 친구 가족 노래".split(),
    "devanagari": "भारत किताब राजा नमस्ते पानी दिल्ली हिन्दी भाषा विद्यालय प्रेम घर मित्र संगीत सुबह".split(),
    "bengali": "পানি বাংলা ভাষা বই আমার সোনার কলকাতা নদী মাছ ভাত বন্ধু গান সকাল".split(),
    "thai": "สวัสดี ภาษาไทย กรุงเทพ ขอบคุณ อาหาร น้ำ ไม่ ก็ นี่ ครับ ค่ะ เพื่อน เพลง".split(),
    "arabic": "مرحبا العربية كتاب سلام مدينة القاهرة شمس قمر صديق موسيقى صباح".split(),
    "greek": "Καλημέρα Ελλάδα γλώσσα Αθήνα θάλασσα φίλος μουσική πρωί ΟΔΟΣ".split(),
    "cyrillic": "Привет Москва книга язык мир друг Ёлка музыка утро СЛОВО".split(),
    "accents": ["cafe\u0301", "e\u0301te\u0301", "man\u0303ana", "na\u0308ive", "Zu\u0308rich", "fac\u0327ade",
                "café", "été", "naïve", "Ångström", "x\u0323\u0301", "a\u0301\u0323"],
    "skin": ["👍🏽", "👋🏿", "🙌🏻", "👩🏾", "✌🏼", "👍", "👋", "🙏🏽"],
    "zwj": ["👩\u200d💻", "👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "👨🏽\u200d🚀", "🧑\u200d🤝\u200d🧑", "❤\ufe0f\u200d🔥"],
    "selectors": ["❤\ufe0f", "☺\ufe0f", "✔\ufe0f", "☀\ufe0f", "1\ufe0f\u20e3", "#\ufe0f\u20e3", "❤", "✔", "\u2764\ufe0e"],
}
PUNCTUATION = [".", ",", "!", "?", "…", "«", "»", "—", "।", "؟", "《", "》"]


def line(rng):
    scripts = rng.sample(sorted(WORDS), k=rng.randint(1, 3))
    words = []
    for _ in range(rng.randint(3, 12)):
        word = rng.choice(WORDS[rng.choice(scripts)])
        r = rng.random()
        if r < 0.12:
            word += rng.choice(WORDS[rng.choice(scripts)])  # glued words: longer pieces
        elif r < 0.2:
            word += rng.choice(PUNCTUATION)
        elif r < 0.24:
            word = str(rng.randint(0, 2026)) + word
        words.append(word)
    return " ".join(words)


def main(out_dir, write_jsonl_gz, write_vocab):
    rng = random.Random(SEED)
    train = [line(rng) for _ in range(TRAIN_LINES)]
    held_out = [line(rng) for _ in range(HELD_OUT_LINES)]
    trainer = BertWordPieceTokenizer(**SETTINGS)
    trainer.train_from_iterator(train, show_progress=False, **TRAIN)
    vocab = write_vocab("mixed-vocab.txt", trainer)
    hf = BertWordPieceTokenizer(os.path.join(out_dir, "mixed-vocab.txt"), **SETTINGS)
    rows = [{"settings": {**SETTINGS, **TRAIN}, "train": train}]
    for text in held_out:
        e = hf.encode(text)
        rows.append({"text": text, "ids": e.ids, "offsets": [list(o) for o in e.offsets],
                     "decoded": hf.decode(e.ids), "decoded_keep_specials": hf.decode(e.ids, skip_special_tokens=False)})
    write_jsonl_gz("mixed.jsonl.gz", rows)
    print(f"mixed: {len(train)} training lines, {len(held_out)} held out, {len(vocab)} tokens")
