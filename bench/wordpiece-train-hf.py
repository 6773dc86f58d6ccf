"""HF side of bench/wordpiece-train.sh: BertWordPieceTokenizer training on one column of a
tab-separated corpus (header skipped, one document per line), with the settings of
../shared/reference/hf/settings.json. Writes vocab.txt in id order.
Usage: python wordpiece-train-hf.py INPUT.tsv COLUMN OUTPUT_VOCAB_TXT"""
import sys

from tokenizers import BertWordPieceTokenizer

source, column, target = sys.argv[1:4]
with open(source, encoding="utf-8", newline="") as handle:
    header = handle.readline().rstrip("\r\n").split("\t")
    index = header.index(column)
    documents = [line.rstrip("\r\n").split("\t")[index] for line in handle]
tokenizer = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
tokenizer.train_from_iterator(
    documents, vocab_size=30000, min_frequency=2, limit_alphabet=6000,
    special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], wordpieces_prefix="##", show_progress=False)
vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
with open(target, "w", encoding="utf-8") as out:
    out.write("".join(token + "\n" for token, _ in vocab))
