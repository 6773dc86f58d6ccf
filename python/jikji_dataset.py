"""Read a dataset written by ``jikji dataset export`` and make Jikji's batches with NumPy alone.

An export is a folder::

    jikji-dataset.json   manifest: arrays, vocabulary name@version, special tokens, provenance
    vocab.txt            the vocabulary, one token a line (line n is id n)
    *.npy                one int64 array a file (--format npy), or
    dataset.safetensors  every array in one file (--format safetensors, I64 tensors)

Arrays (all int64, one-dimensional): ``source_ids`` and ``source_offsets`` (N + 1 entries; example
i is ``source_ids[offsets[i]:offsets[i + 1]]``), ``split`` (0 train, 1 valid, 2 test), and
``labels`` (classification) or ``target_ids`` / ``target_offsets`` (pairs). Both formats are
memory-mapped: opening a large export reads only its headers.

``Batches(dataset, options, split, epoch)`` reproduces Jikji's batches for a seed and an epoch
(the same examples in each batch, in the same order, with the same padding) by following
JikjiData's plan: SplitMix64 streams per (seed, epoch), Fisher-Yates shuffles with Lemire's
bounded integers, length-bucketed pools cut into batches whose order is shuffled, and
``SequenceLayout`` padding and truncation. ``python/jikji_torch.py`` wraps it in a
``torch.utils.data.Dataset`` and a bucketed ``Sampler``.

Example::

    from jikji_dataset import JikjiDataset, BatchingOptions, Batches
    data = JikjiDataset("exports/nsmc")
    options = BatchingOptions.for_dataset(data, batch_size=64, max_length=64, bucket_pool=100,
                                          add_start_end=True, seed=0)
    for batch in Batches(data, options, split="train", epoch=3):
        batch.ids, batch.lengths, batch.labels     # [B, T], [B], [B] NumPy arrays
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import numpy as np

__all__ = ["JikjiDataset", "SplitMix64", "SequenceLayout", "BatchingOptions", "Batch", "Batches", "SPLITS"]

#: Split names by tag, as the ``split`` array stores them.
SPLITS = ("train", "valid", "test")

_MASK = (1 << 64) - 1


# ----------------------------------------------------------------------------------------------
# Reading an export


class JikjiDataset:
    """An exported dataset: memory-mapped arrays, the vocabulary and the manifest."""

    def __init__(self, folder: str):
        self.folder = folder
        with open(os.path.join(folder, "jikji-dataset.json"), encoding="utf-8") as f:
            self.manifest: dict = json.load(f)
        if self.manifest.get("format") != "jikji-dataset":
            raise ValueError(f"{folder}: not a Jikji dataset export (format {self.manifest.get('format')!r})")
        if self.manifest.get("version") != 1:
            raise ValueError(f"{folder}: export version {self.manifest.get('version')}, this reader knows 1")
        self.kind: str = self.manifest["kind"]
        self.special_tokens: Dict[str, int] = dict(self.manifest["special_tokens"])
        self.vocabulary_reference: str = self.manifest["vocabulary"]
        self.arrays: Dict[str, np.ndarray] = self._map_arrays()
        self.source_ids = self.arrays["source_ids"]
        self.source_offsets = self.arrays["source_offsets"]
        self.split = self.arrays["split"]
        self.labels = self.arrays.get("labels")
        self.target_ids = self.arrays.get("target_ids")
        self.target_offsets = self.arrays.get("target_offsets")
        self.source_lengths = np.diff(self.source_offsets)
        self.target_lengths = None if self.target_offsets is None else np.diff(self.target_offsets)
        self._vocab: Optional[List[str]] = None

    def _map_arrays(self) -> Dict[str, np.ndarray]:
        files = self.manifest["arrays"]
        if self.manifest["storage"] == "npy":
            return {name: np.load(os.path.join(self.folder, file), mmap_mode="r") for name, file in files.items()}
        if self.manifest["storage"] != "safetensors":
            raise ValueError(f"{self.folder}: unknown storage {self.manifest['storage']!r}")
        out: Dict[str, np.ndarray] = {}
        for file in sorted(set(files.values())):
            path = os.path.join(self.folder, file)
            with open(path, "rb") as f:
                (length,) = struct.unpack("<Q", f.read(8))
                header = json.loads(f.read(length))
            for name, entry in header.items():
                if name == "__metadata__":
                    continue
                if entry["dtype"] != "I64":
                    raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, expected I64")
                begin, end = entry["data_offsets"]
                count = (end - begin) // 8
                out[name] = (np.memmap(path, dtype="<i8", mode="r", offset=8 + length + begin, shape=(count,))
                             if count else np.zeros(0, dtype="<i8"))
        return out

    def __len__(self) -> int:
        return len(self.source_offsets) - 1

    def source(self, i: int) -> np.ndarray:
        """The source (text) ids of example ``i``."""
        return self.source_ids[self.source_offsets[i]:self.source_offsets[i + 1]]

    def target(self, i: int) -> np.ndarray:
        """The target ids of pair example ``i``."""
        if self.target_ids is None:
            raise ValueError("not a pairs dataset")
        return self.target_ids[self.target_offsets[i]:self.target_offsets[i + 1]]

    def indices(self, split: str) -> np.ndarray:
        """The examples of ``split`` (train, valid, test) in stored order."""
        return np.flatnonzero(np.asarray(self.split) == SPLITS.index(split))

    @property
    def vocabulary(self) -> List[str]:
        """The tokens by id, from vocab.txt."""
        if self._vocab is None:
            with open(os.path.join(self.folder, self.manifest["vocabulary_file"]), encoding="utf-8") as f:
                self._vocab = f.read().split("\n")[:-1]
        return self._vocab

    def decode(self, ids: Sequence[int]) -> List[str]:
        """The tokens of ``ids``."""
        vocab = self.vocabulary
        return [vocab[int(i)] for i in ids]


# ----------------------------------------------------------------------------------------------
# The seeded generator (JikjiData's SplitMix64)


class SplitMix64:
    """SplitMix64 with Jikji's (seed, stream) derivation, bounded integers and shuffle."""

    def __init__(self, seed: int, stream: Optional[int] = None):
        seed &= _MASK
        if stream is None:
            self.state = seed
            return
        mixer = SplitMix64(seed ^ 0x6A09E667F3BCC909)
        a = mixer.next()
        second = SplitMix64((stream + a) & _MASK)
        self.state = second.next() ^ a

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def next_index(self, bound: int) -> int:
        """A uniform integer in [0, bound) (Lemire's multiply-and-reject)."""
        product = self.next() * bound
        if (product & _MASK) < bound:
            threshold = ((1 << 64) - bound) % bound
            while (product & _MASK) < threshold:
                product = self.next() * bound
        return product >> 64

    def shuffle(self, items: list) -> None:
        """Fisher-Yates from the end, in place."""
        i = len(items) - 1
        while i > 0:
            j = self.next_index(i + 1)
            items[i], items[j] = items[j], items[i]
            i -= 1


# ----------------------------------------------------------------------------------------------
# Options


@dataclass
class SequenceLayout:
    """How one side of an example becomes a padded row (JikjiData's SequenceLayout)."""

    start_token: Optional[int] = None
    end_token: Optional[int] = None
    max_length: Optional[int] = None
    fixed_length: bool = False
    pad_to_multiple_of: int = 1
    pad_side: str = "post"
    truncate_side: str = "post"

    @property
    def extra_tokens(self) -> int:
        return (self.start_token is not None) + (self.end_token is not None)

    def row_length(self, content: int) -> int:
        full = content + self.extra_tokens
        if self.max_length is None:
            return full
        return min(full, max(self.max_length, self.extra_tokens))

    def width(self, longest: int) -> int:
        width = max(self.max_length if self.max_length is not None else longest, longest) if self.fixed_length else longest
        m = max(1, self.pad_to_multiple_of)
        if m > 1:
            width = (width + m - 1) // m * m
        return width

    def pad(self, rows: Sequence[np.ndarray], pad: int):
        """Rows laid out and padded: ids [B, T], lengths [B], mask [B, T]."""
        lengths = [self.row_length(len(r)) for r in rows]
        columns = 0 if not rows else max(1, self.width(max(lengths)))
        ids = np.full((len(rows), columns), pad, dtype=np.int64)
        mask = np.zeros((len(rows), columns), dtype=np.uint8)
        for r, (content, length) in enumerate(zip(rows, lengths)):
            kept = length - self.extra_tokens
            first = len(content) - kept if self.truncate_side == "pre" else 0
            position = columns - length if self.pad_side == "pre" else 0
            mask[r, position:position + length] = 1
            if self.start_token is not None:
                ids[r, position] = self.start_token
                position += 1
            ids[r, position:position + kept] = content[first:first + kept]
            if self.end_token is not None:
                ids[r, position + kept] = self.end_token
        return ids, np.asarray(lengths, dtype=np.int32), mask


@dataclass
class BatchingOptions:
    """Jikji's BatchingOptions: ``batch_size`` sentences or a ``token_budget`` per batch."""

    source: SequenceLayout = field(default_factory=SequenceLayout)
    target: SequenceLayout = field(default_factory=SequenceLayout)
    batch_size: Optional[int] = 64
    token_budget: Optional[int] = None
    decoder_start: Optional[int] = None
    decoder_end: Optional[int] = None
    window: int = 64
    document_separator: Optional[int] = None
    document_start: Optional[int] = None
    shuffle: bool = True
    bucket_pool: int = 0
    sort_within_batch: bool = False
    drop_last: bool = False
    seed: int = 0
    #: shuffled_windows, contiguous_rows or documents (language models only).
    lm_layout: str = "shuffled_windows"

    @staticmethod
    def for_dataset(dataset: JikjiDataset, batch_size: int = 64, token_budget: Optional[int] = None,
                    max_length: Optional[int] = None, fixed_length: bool = False, pad_to_multiple_of: int = 1,
                    pad_side: str = "post", truncate_side: str = "post", add_start_end: bool = False,
                    start_token: Optional[int] = None, end_token: Optional[int] = None, window: int = 64,
                    shuffle: bool = True, bucket_pool: int = 100, sort_within_batch: bool = False,
                    drop_last: bool = False, seed: int = 0) -> "BatchingOptions":
        """The options ``jikji dataset batches`` makes from its flags (same names, same defaults)."""
        start = start_token if start_token is not None else dataset.special_tokens.get("cls")
        end = end_token if end_token is not None else dataset.special_tokens.get("sep")
        layout = SequenceLayout(max_length=max_length, fixed_length=fixed_length, pad_to_multiple_of=pad_to_multiple_of,
                                pad_side=pad_side, truncate_side=truncate_side)
        source = replace(layout, start_token=start if add_start_end else None, end_token=end if add_start_end else None)
        return BatchingOptions(source=source, target=layout, batch_size=None if token_budget else batch_size,
                               token_budget=token_budget, decoder_start=start, decoder_end=end, window=window,
                               shuffle=shuffle, bucket_pool=bucket_pool, sort_within_batch=sort_within_batch,
                               drop_last=drop_last, seed=seed)

    def decoder_layout(self, start: bool) -> SequenceLayout:
        """Decoder inputs (start token, no end) or outputs (end token, no start)."""
        return replace(self.target, start_token=self.decoder_start if start else None,
                       end_token=None if start else self.decoder_end)


# ----------------------------------------------------------------------------------------------
# Batches


@dataclass
class Batch:
    """One batch in the shapes Jikji's models read."""

    indices: List[int]
    ids: np.ndarray
    lengths: np.ndarray
    mask: np.ndarray
    labels: Optional[np.ndarray] = None
    decoder_input: Optional[np.ndarray] = None
    decoder_output: Optional[np.ndarray] = None
    next_tokens: Optional[np.ndarray] = None

    def text(self) -> str:
        """The batch as ``jikji dataset batches --show`` prints it."""
        rows, columns = self.ids.shape
        lines = [f"[{rows}, {columns}]"]
        for r in range(rows):
            line = "  " + " ".join(str(int(v)) for v in self.ids[r]) + f"  | length {int(self.lengths[r])}"
            if self.labels is not None:
                line += f" label {int(self.labels[r])}"
            lines.append(line)
            if self.decoder_input is not None:
                lines.append("    decoder in:  " + " ".join(str(int(v)) for v in self.decoder_input[r]))
                lines.append("    decoder out: " + " ".join(str(int(v)) for v in self.decoder_output[r]))
            if self.next_tokens is not None:
                lines.append("    next tokens: " + " ".join(str(int(v)) for v in self.next_tokens[r]))
        return "\n".join(lines)


def plan(examples: List[int], options: BatchingOptions, generator: SplitMix64, row_length: Callable[[int], int],
         sort_length: Callable[[int], int], width: Callable[[int], int]):
    """Shuffles, buckets and cuts ``examples`` into batches: (order, starts), batch b is
    ``order[starts[b]:starts[b + 1]]`` (JikjiData's Batches.plan)."""
    order = list(examples)
    if options.shuffle:
        generator.shuffle(order)
    lengths = [row_length(e) for e in order]
    if options.token_budget is None:
        nominal = options.batch_size
    else:
        mean = max(1, sum(lengths) // len(lengths)) if lengths else 1
        nominal = max(1, options.token_budget // width(mean))
    slots = list(range(len(order)))
    if options.bucket_pool > 0:
        pool = max(1, options.bucket_pool * nominal)
        for start in range(0, len(slots), pool):
            slots[start:start + pool] = sorted(slots[start:start + pool], key=lambda s: (lengths[s], s))
    starts = [0]
    if options.token_budget is None:
        n = options.batch_size
        starts.extend(range(n, len(slots), n))
        if slots:
            starts.append(len(slots))
        if options.drop_last and len(starts) > 1 and starts[-1] - starts[-2] < n:
            starts.pop()
            del slots[starts[-1]:]
    else:
        longest = count = 0
        for position, slot in enumerate(slots):
            candidate = max(longest, lengths[slot])
            if count > 0 and (count + 1) * width(candidate) > options.token_budget:
                starts.append(position)
                longest, count = lengths[slot], 1
            else:
                longest, count = candidate, count + 1
        if slots:
            starts.append(len(slots))
    if len(starts) == 1:
        return [], [0]
    batch_order = list(range(len(starts) - 1))
    if options.bucket_pool > 0 and options.shuffle:
        generator.shuffle(batch_order)
    final, final_starts = [], [0]
    for b in batch_order:
        members = [order[s] for s in slots[starts[b]:starts[b + 1]]]
        if options.sort_within_batch:
            members.sort(key=lambda e: (-sort_length(e), e))
        final.extend(members)
        final_starts.append(len(final))
    return final, final_starts


class Batches:
    """One epoch of batches over a split, in Jikji's order (``len()``, indexing, iteration)."""

    def __init__(self, dataset: JikjiDataset, options: BatchingOptions, split: str = "train", epoch: int = 0):
        self.dataset, self.options, self.split, self.epoch = dataset, options, split, epoch
        if options.token_budget is None and (options.batch_size or 0) < 1:
            raise ValueError("batch size must be at least 1")
        examples = [int(i) for i in dataset.indices(split)]
        generator = SplitMix64(options.seed, stream=epoch)
        self.pad = dataset.special_tokens["pad"]
        if dataset.kind == "lm":
            self._plan_language_model(examples, generator)
            return
        src, tgt = dataset.source_lengths, dataset.target_lengths
        o = options
        decoder_in = o.decoder_layout(start=True)
        if tgt is None:
            row_length = lambda e: o.source.row_length(int(src[e]))
            width = o.source.width
        else:
            row_length = lambda e: max(o.source.row_length(int(src[e])), decoder_in.row_length(int(tgt[e])))
            width = lambda longest: max(o.source.width(longest), o.target.width(longest))
        self.order, self.starts = plan(examples, o, generator, row_length, lambda e: int(src[e]), width)

    def _plan_language_model(self, examples: List[int], generator: SplitMix64) -> None:
        o, data = self.options, self.dataset
        separator = o.document_separator if o.document_separator is not None else data.special_tokens.get("sep")
        if separator is None:
            raise ValueError("the vocabulary has no [SEP]; give a document separator token")
        self.widths: List[int] = []
        if o.lm_layout == "documents":
            pieces: List[tuple] = []   # (first input offset, width, document)
            stream: List[int] = []
            for index in examples:
                base = len(stream)
                if o.document_start is not None:
                    stream.append(o.document_start)
                stream.extend(int(v) for v in data.source(index))
                stream.append(separator)
                targets = len(stream) - base - 1
                for first in range(0, targets, o.window):
                    pieces.append((base + first, min(o.window, targets - first), index))
            self.stream, self.pieces = np.asarray(stream, dtype=np.int64), pieces
            widths = [p[1] for p in pieces]
            self.order, self.starts = plan(list(range(len(pieces))), o, generator, widths.__getitem__,
                                           widths.__getitem__, lambda w: w)
            return
        rows = o.batch_size if o.token_budget is None else max(1, o.token_budget // o.window)
        documents = list(examples)
        contiguous = o.lm_layout == "contiguous_rows"
        if contiguous and o.shuffle:
            generator.shuffle(documents)
        parts = []
        for index in documents:
            parts.append(np.asarray(data.source(index)))
            parts.append(np.asarray([separator], dtype=np.int64))
        self.stream = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        if contiguous:
            row_length = len(self.stream) // rows
            self.order, self.starts = [], [0]
            if row_length >= 2:
                inputs = row_length - 1
                for k in range(-(-inputs // o.window)):
                    offset = k * o.window
                    self.widths.append(min(o.window, inputs - offset))
                    self.order.extend(r * row_length + offset for r in range(rows))
                    self.starts.append(len(self.order))
            return
        windows = (len(self.stream) - 1) // o.window if len(self.stream) else 0
        order = list(range(windows))
        if o.shuffle:
            generator.shuffle(order)
        starts = list(range(0, len(order), rows)) + [len(order)]
        if o.drop_last and len(starts) > 1 and len(order) % rows != 0:
            starts.pop()
            del order[starts[-1]:]
        self.order, self.starts = order, starts

    def __len__(self) -> int:
        return len(self.starts) - 1

    def batch_indices(self, b: int) -> List[int]:
        """The plan's entries of batch ``b`` (example indices; LM: windows, offsets or pieces)."""
        return self.order[self.starts[b]:self.starts[b + 1]]

    def __getitem__(self, b: int) -> Batch:
        if not 0 <= b < len(self):
            raise IndexError(b)
        entries, data, o = self.batch_indices(b), self.dataset, self.options
        if data.kind == "lm":
            return self._language_model_batch(b, entries)
        ids, lengths, mask = o.source.pad([data.source(e) for e in entries], self.pad)
        batch = Batch(indices=list(entries), ids=ids, lengths=lengths, mask=mask)
        if data.labels is not None:
            batch.labels = np.asarray([data.labels[e] for e in entries], dtype=np.int32)
        if data.target_ids is not None:
            targets = [data.target(e) for e in entries]
            batch.decoder_input = o.decoder_layout(start=True).pad(targets, self.pad)[0]
            batch.decoder_output = o.decoder_layout(start=False).pad(targets, self.pad)[0]
        return batch

    def _language_model_batch(self, b: int, entries: List[int]) -> Batch:
        o, stream = self.options, self.stream
        if o.lm_layout == "documents":
            pieces = [self.pieces[e] for e in entries]
            n = max((p[1] for p in pieces), default=0)
            ids = np.full((len(pieces), n), self.pad, dtype=np.int64)
            targets = np.full((len(pieces), n), self.pad, dtype=np.int64)
            mask = np.zeros((len(pieces), n), dtype=np.uint8)
            for r, (base, width, _) in enumerate(pieces):
                ids[r, :width] = stream[base:base + width]
                targets[r, :width] = stream[base + 1:base + 1 + width]
                mask[r, :width] = 1
            lengths = np.asarray([p[1] for p in pieces], dtype=np.int32)
            return Batch(indices=[p[2] for p in pieces], ids=ids, lengths=lengths, mask=mask, next_tokens=targets)
        if self.widths:
            offsets, n, indices = entries, self.widths[b], list(entries)
        else:
            offsets, n, indices = [e * o.window for e in entries], o.window, list(entries)
        ids = np.stack([stream[base:base + n] for base in offsets]) if offsets else np.zeros((0, n), dtype=np.int64)
        targets = (np.stack([stream[base + 1:base + 1 + n] for base in offsets]) if offsets
                   else np.zeros((0, n), dtype=np.int64))
        return Batch(indices=indices, ids=ids, lengths=np.full(len(offsets), n, dtype=np.int32),
                     mask=np.ones((len(offsets), n), dtype=np.uint8), next_tokens=targets)

    def __iter__(self) -> Iterator[Batch]:
        for b in range(len(self)):
            yield self[b]


def epoch_checksum(batches: Batches) -> int:
    """``checksum * 31 + id`` over every source id in batch order, modulo 2^64 (ids as 32-bit
    patterns): the figure ``jikji dataset batches`` prints for an epoch."""
    checksum = 0
    for batch in batches:
        for v in batch.ids.reshape(-1):
            checksum = (checksum * 31 + (int(v) & 0xFFFFFFFF)) & _MASK
    return checksum
