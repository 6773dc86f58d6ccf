"""python/jikji_torch.py's DataLoader (Dataset + bucketed batch Sampler + collate) gives the same
batches as python/jikji_dataset.py's Batches for two epochs (run by check-dataset-export.sh
where a PyTorch environment exists).

    python check_dataset_torch.py EXPORT_DIR [jikji dataset batches flags...]
"""

import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/python")
sys.path.insert(0, __file__.rsplit("/", 1)[0])
import numpy as np  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from check_dataset_export import parse_flags  # noqa: E402
from jikji_dataset import BatchingOptions, Batches, JikjiDataset  # noqa: E402
from jikji_torch import JikjiBatchSampler, JikjiTorchDataset  # noqa: E402


def main():
    folder, *flags = sys.argv[1:]
    kwargs, split = parse_flags(flags)
    data = JikjiDataset(folder)
    options = BatchingOptions.for_dataset(data, **kwargs)
    examples = JikjiTorchDataset(data, options)
    sampler = JikjiBatchSampler(data, options, split=split)
    loader = DataLoader(examples, batch_sampler=sampler, collate_fn=examples.collate)
    for epoch in range(2):
        sampler.set_epoch(epoch)
        reference = Batches(data, options, split=split, epoch=epoch)
        count = 0
        for batch, expected in zip(loader, reference):
            for key, value in (("ids", expected.ids), ("lengths", expected.lengths), ("labels", expected.labels),
                               ("decoder_input", expected.decoder_input), ("decoder_output", expected.decoder_output)):
                if value is not None and not np.array_equal(batch[key].numpy(), value):
                    raise SystemExit(f"epoch {epoch} batch {count}: {key} differs")
            count += 1
        if count != len(reference):
            raise SystemExit(f"epoch {epoch}: {count} DataLoader batches, {len(reference)} planned")
        print(f"torch DataLoader epoch {epoch}: {count} batches equal to the reader's")


if __name__ == "__main__":
    main()
