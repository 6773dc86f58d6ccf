"""A ``torch.utils.data`` view of a ``jikji dataset export``: a ``Dataset`` of examples, a
bucketed batch ``Sampler`` that yields Jikji's batches for a (seed, epoch), and the ``collate``
that pads them as Jikji does. Needs PyTorch and NumPy; the plan itself is ``jikji_dataset``'s.

    from torch.utils.data import DataLoader
    from jikji_dataset import JikjiDataset, BatchingOptions
    from jikji_torch import JikjiTorchDataset, JikjiBatchSampler

    data = JikjiDataset("exports/nsmc")
    options = BatchingOptions.for_dataset(data, batch_size=64, max_length=64, bucket_pool=100, add_start_end=True)
    examples = JikjiTorchDataset(data, options)
    sampler = JikjiBatchSampler(data, options, split="train")
    loader = DataLoader(examples, batch_sampler=sampler, collate_fn=examples.collate)
    for epoch in range(3):
        sampler.set_epoch(epoch)          # as DistributedSampler: the epoch seeds the order
        for batch in loader:
            batch["ids"], batch["lengths"], batch["labels"]   # LongTensor [B, T], [B], [B]

Sentence datasets (classification, pairs) and language models in the documents layout index
examples (pieces); the other language-model layouts cut one token stream into windows, which
``JikjiBatchSampler`` yields as Jikji's batches directly (use ``loader = sampler``).
"""

from typing import Iterator, List

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from jikji_dataset import Batch, BatchingOptions, Batches, JikjiDataset


class JikjiTorchDataset(Dataset):
    """Example ``i`` of the export: its source ids, label or target ids, as NumPy arrays."""

    def __init__(self, data: JikjiDataset, options: BatchingOptions):
        self.data, self.options = data, options
        self.pad = data.special_tokens["pad"]

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> dict:
        item = {"index": i, "source": np.asarray(self.data.source(i))}
        if self.data.labels is not None:
            item["label"] = int(self.data.labels[i])
        if self.data.target_ids is not None:
            item["target"] = np.asarray(self.data.target(i))
        return item

    def collate(self, items: List[dict]) -> dict:
        """Pads a batch of examples with Jikji's layout: ids, lengths, mask (and labels or
        decoder input/output) as tensors."""
        o = self.options
        ids, lengths, mask = o.source.pad([it["source"] for it in items], self.pad)
        out = {"indices": torch.tensor([it["index"] for it in items]), "ids": torch.from_numpy(ids),
               "lengths": torch.from_numpy(lengths.astype(np.int64)), "mask": torch.from_numpy(mask.astype(np.bool_))}
        if "label" in items[0]:
            out["labels"] = torch.tensor([it["label"] for it in items], dtype=torch.long)
        if "target" in items[0]:
            targets = [it["target"] for it in items]
            out["decoder_input"] = torch.from_numpy(o.decoder_layout(start=True).pad(targets, self.pad)[0])
            out["decoder_output"] = torch.from_numpy(o.decoder_layout(start=False).pad(targets, self.pad)[0])
        return out


class JikjiBatchSampler(Sampler):
    """The example indices of each of Jikji's batches for the options' seed and the current
    epoch (``set_epoch``): length-bucketed, in Jikji's order."""

    def __init__(self, data: JikjiDataset, options: BatchingOptions, split: str = "train", epoch: int = 0):
        self.data, self.options, self.split, self.epoch = data, options, split, epoch

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def batches(self) -> Batches:
        """The epoch's plan (and, for language-model windows, its batches)."""
        return Batches(self.data, self.options, split=self.split, epoch=self.epoch)

    def __len__(self) -> int:
        return len(self.batches())

    def __iter__(self) -> Iterator[List[int]]:
        plan = self.batches()
        for b in range(len(plan)):
            yield list(plan.batch_indices(b))


def as_tensors(batch: Batch) -> dict:
    """A ``jikji_dataset.Batch`` (language-model windows) as tensors."""
    out = {"ids": torch.from_numpy(np.ascontiguousarray(batch.ids)),
           "lengths": torch.from_numpy(batch.lengths.astype(np.int64))}
    if batch.next_tokens is not None:
        out["next_tokens"] = torch.from_numpy(np.ascontiguousarray(batch.next_tokens))
    return out
