"""HF tokenizers and BlingFire halves of bench/tokenizer-speed.sh: encodes the same texts Jikji
encodes, writes one line of ids per text, and prints nothing else.

usage: tokenizer_speed.py hf-batch|hf-batch-fast|blingfire|hf-decode KIND INPUT VOCAB OUT THREADS
  KIND korean: INPUT is a TSV whose `document` column is read, VOCAB a vocab.txt (lowercase=False,
       strip_accents=False); english: INPUT has one text per line, VOCAB a tokenizer.json
       (truncation and padding switched off). blingfire uses its bundled bert_base_tok.bin and
       prints ids without [CLS]/[SEP]. hf-decode: INPUT holds ids, one line per text."""
import os
import sys


def texts(kind, path):
    with open(path, encoding="utf-8", newline="\n") as f:
        if kind == "korean":
            header = f.readline().rstrip("\r\n").split("\t")
            col = header.index("document")
            return [line.rstrip("\r\n").split("\t")[col] for line in f]
        return [line.rstrip("\r\n") for line in f]


def tokenizer(kind, vocab):
    from tokenizers import Tokenizer
    from tokenizers.implementations import BertWordPieceTokenizer
    if kind == "korean":
        # The wrapper's own Tokenizer: it has encode_batch_fast (the wrapper does not).
        return BertWordPieceTokenizer(vocab, lowercase=False, strip_accents=False)._tokenizer
    tok = Tokenizer.from_file(vocab)
    tok.no_truncation()
    tok.no_padding()
    return tok


def main():
    mode, kind, inp, vocab, out, threads = sys.argv[1:7]
    os.environ["RAYON_NUM_THREADS"] = threads
    if mode == "hf-decode":
        with open(inp, encoding="utf-8") as f:
            ids = [[int(x) for x in line.split()] for line in f]
        decoded = tokenizer(kind, vocab).decode_batch(ids, skip_special_tokens=True)
        with open(out, "w", encoding="utf-8") as f:
            for t in decoded:
                f.write(t + "\n")
        return
    docs = texts(kind, inp)
    if mode == "blingfire":
        import blingfire
        from concurrent.futures import ThreadPoolExecutor
        model = os.path.join(os.path.dirname(blingfire.__file__), "bert_base_tok.bin")
        h = blingfire.load_model(model)
        def run(chunk):
            return [blingfire.text_to_ids(h, d, 100000, 100, True) for d in chunk]
        n = int(threads)
        size = (len(docs) + n - 1) // n
        with ThreadPoolExecutor(n) as pool:
            parts = list(pool.map(run, [docs[i:i + size] for i in range(0, len(docs), size)]))
        with open(out, "w", encoding="utf-8") as f:
            for part in parts:
                for ids in part:
                    f.write(" ".join(map(str, ids)) + "\n")
        return
    tok = tokenizer(kind, vocab)
    encodings = tok.encode_batch_fast(docs) if mode == "hf-batch-fast" else tok.encode_batch(docs)
    with open(out, "w", encoding="utf-8") as f:
        for e in encodings:
            f.write(" ".join(map(str, e.ids)) + "\n")


main()
