import JikjiWordPiece
import JikjiData
import JikjiJobs

extension PyTorchExport {
    /// The text of `predict.py`: texts from the command line (or lines of standard input) encoded
    /// with the exported tokenizer.json (the `tokenizers` package), laid out as the run's batches
    /// lay them out (start/end ids, max_length, truncate side), through the module.
    static func predictSource(_ run: TrainedRun, module: ModuleSource) -> String {
        let layout = run.batching.source
        func id(_ t: TokenID?) -> String { t.map { String($0) } ?? "None" }
        // A backward classifier was trained on reversed texts (reversed before the layout cut them).
        let reversal = run.classifier != nil && run.job.model.direction == .backward
            ? "\n    ids = ids[::-1]  # model.direction: backward reads each text from its end, as in training" : ""
        let header = """
            \"\"\"An example of the exported run \(run.run.id) in PyTorch: python predict.py TEXT... (or one text a line
            on standard input). Needs torch and tokenizers (pip install torch tokenizers).\"\"\"
            import sys
            from pathlib import Path

            import torch
            from tokenizers import Tokenizer

            from model import load

            HERE = Path(__file__).resolve().parent
            TOKENIZER = Tokenizer.from_file(str(HERE / "tokenizer.json"))
            # The run's layout of a source row: start and end ids, the longest row (both included), the end cut.
            START, END, MAX_LENGTH, TRUNCATE = \(id(layout.startToken)), \(id(layout.endToken)), \
            \(layout.maxLength.map(String.init) ?? "None"), "\(layout.truncationSide == .pre ? "pre" : "post")"
            PAD = \(run.vocabulary.specials.pad)


            def row(text):
                \"\"\"The ids the model reads for `text`, as Jikji lays them out.\"\"\"
                ids = TOKENIZER.encode(text, add_special_tokens=False).ids\(reversal)
                extra = (START is not None) + (END is not None)
                if MAX_LENGTH is not None and len(ids) > MAX_LENGTH - extra:
                    keep = max(MAX_LENGTH - extra, 0)
                    ids = ids[len(ids) - keep:] if TRUNCATE == "pre" else ids[:keep]
                return ([START] if START is not None else []) + ids + ([END] if END is not None else [])


            def padded(rows):
                \"\"\"Post-padded ids [batch, steps] and lengths [batch].\"\"\"
                rows = [r or [PAD] for r in rows]
                steps = max(len(r) for r in rows)
                ids = torch.full((len(rows), steps), PAD, dtype=torch.long)
                for i, r in enumerate(rows):
                    ids[i, :len(r)] = torch.tensor(r)
                return ids, torch.tensor([len(r) for r in rows])


            texts = sys.argv[1:] or [line.rstrip("\\n") for line in sys.stdin]
            model = load(HERE)

            """
        if run.classifier != nil {
            return header + """
                # label<TAB>probability a line, as `jikji predict` prints them.
                with torch.no_grad():
                    for start in range(0, len(texts), 64):
                        ids, lengths = padded([row(t) for t in texts[start:start + 64]])
                        probabilities = model.probabilities(model(ids, lengths))
                        for p in probabilities:
                            label = int(torch.argmax(p))
                            print(f"{label}\\t{float(p[label]):.4f}")

                """
        }
        if run.languageModel != nil {
            let backward = run.job.model.direction == .backward
            return header + """
                from model import START_ID, STOP_ID

                # Greedy continuation of each prompt, as `jikji generate --temperature 0` prints it.
                BACKWARD = \(backward ? "True" : "False")  # a backward model reads the prompt reversed and writes to its left
                for text in texts:
                    ids = TOKENIZER.encode(text, add_special_tokens=False).ids
                    context = ([START_ID] if START_ID is not None else []) + (ids[::-1] if BACKWARD else ids)
                    produced, _ = model.generate(context, max_tokens=50)
                    if BACKWARD:
                        kept = produced[:-1] if produced and produced[-1] == STOP_ID else produced
                        print(TOKENIZER.decode(kept[::-1] + ids, skip_special_tokens=True))
                    else:
                        print(TOKENIZER.decode(ids + produced, skip_special_tokens=True))

                """
        }
        return header + """
            # The greedy answer of each question, as `jikji translate --beam 1` prints it.
            for start in range(0, len(texts), 64):
                ids, lengths = padded([row(t) for t in texts[start:start + 64]])
                answers, _ = model.greedy(ids, lengths)
                for answer in answers:
                    print(TOKENIZER.decode(answer, skip_special_tokens=True))

            """
    }
}
