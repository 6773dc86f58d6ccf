/// The id of a token in a vocabulary: what the tokenizer produces, datasets store, batches hold and
/// models read. Ids are born here, in the tokenizer, and keep this one type all the way to the model.
///
/// 32 bits keep the flat id buffers of a corpus compact; signed, because `-1` marks "no id" in the
/// tokenizer's tables and PyTorch's embedding indices are signed. Dataset shards store the same
/// 32-bit patterns (``TokenID`` values are always non-negative there).
public typealias TokenID = Int32
